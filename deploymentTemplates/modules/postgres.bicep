// Azure Database for PostgreSQL flexible server with one database for the scale-out storage provider; the
// connection string (with the generated administrator password) goes to Key Vault only.
param namePrefix string
param location string
param tags object

@description('Administrator login of the server.')
param administratorLogin string

@secure()
@description('Administrator password; set again on every deployment, with the connection string in Key Vault.')
param administratorPassword string

@allowed([
  'Standard_B1ms'
  'Standard_B2s'
  'Standard_D2ds_v5'
  'Standard_D4ds_v5'
])
param skuName string

param keyVaultName string

var tier = startsWith(skuName, 'Standard_B') ? 'Burstable' : 'GeneralPurpose'

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = {
  name: '${namePrefix}-pg'
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: tier
  }
  properties: {
    version: '17'
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    storage: {
      storageSizeGB: 32
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 14
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2025-08-01' = {
  parent: server
  name: 'handoffbot'
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// 0.0.0.0 admits connections from Azure services (the Web App), not from the internet.
resource azureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = {
  parent: server
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' existing = {
  name: keyVaultName
}

resource connectionString 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = {
  parent: vault
  name: 'PostgresConnectionString'
  properties: {
    value: 'Host=${server.properties.fullyQualifiedDomainName};Database=${database.name};Username=${administratorLogin};Password=${administratorPassword};SSL Mode=Require'
  }
}

output secretName string = connectionString.name
