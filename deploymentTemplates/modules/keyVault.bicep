// Key Vault (RBAC authorisation) for every secret the bot reads; the app password when the bot has one.
param name string
param location string
param tags object

@secure()
@description('Client secret of the bot registration (SingleTenant or MultiTenant); empty for UserAssignedMSI.')
param appSecret string

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource appPassword 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = if (!empty(appSecret)) {
  parent: vault
  name: 'MicrosoftAppPassword'
  properties: {
    value: appSecret
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
