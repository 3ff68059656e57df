// App Service plan (Linux) and the Web App on the .NET 10 runtime with the bot's settings. Every secret is a Key
// Vault reference, read with the site's system-assigned identity ("Key Vault Secrets User" on the vault).
param namePrefix string
param location string
param tags object

@allowed([
  'B1'
  'B2'
  'S1'
  'P0v3'
  'P1v3'
])
param planSku string

@allowed([
  'UserAssignedMSI'
  'SingleTenant'
  'MultiTenant'
])
param appType string
param appId string
param tenantId string

@description('Resource id of the user-assigned identity (UserAssignedMSI), else empty.')
param identityResourceId string

param keyVaultName string
param insightsSecretName string

@description('Secret names in the vault; empty when the feature is off.')
param appPasswordSecretName string
param postgresSecretName string
param languageKeySecretName string
param languageEndpoint string

var kvRef = '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName='
var secretsUserRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

var baseSettings = [
  { name: 'MicrosoftAppType', value: appType }
  { name: 'MicrosoftAppId', value: appId }
  { name: 'MicrosoftAppTenantId', value: appType == 'MultiTenant' ? '' : tenantId }
  { name: 'Urls', value: 'http://+:8080' }
  { name: 'Storage__Provider', value: empty(postgresSecretName) ? 'Sqlite' : 'Postgres' }
  { name: 'Storage__DataFolder', value: '/home/data' }
  { name: 'DirectLine__Secret', value: '${kvRef}DirectLineSecret)' }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: '${kvRef}${insightsSecretName})' }
]
var passwordSettings = empty(appPasswordSecretName) ? [] : [
  { name: 'MicrosoftAppPassword', value: '${kvRef}${appPasswordSecretName})' }
]
var postgresSettings = empty(postgresSecretName) ? [] : [
  { name: 'ConnectionStrings__Postgres', value: '${kvRef}${postgresSecretName})' }
]
var languageSettings = empty(languageKeySecretName) ? [] : [
  { name: 'Sentiment__Azure__Endpoint', value: languageEndpoint }
  { name: 'Sentiment__Azure__Key', value: '${kvRef}${languageKeySecretName})' }
]

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${namePrefix}-plan'
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: planSku
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: '${namePrefix}-app'
  location: location
  tags: tags
  kind: 'app,linux'
  identity: empty(identityResourceId) ? {
    type: 'SystemAssigned'
  } : {
    type: 'SystemAssigned, UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      linuxFxVersion: 'DOTNETCORE|10.0'
      alwaysOn: true
      webSocketsEnabled: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/health/ready'
      appSettings: concat(baseSettings, passwordSettings, postgresSettings, languageSettings)
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' existing = {
  name: keyVaultName
}

resource readSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, site.id, secretsUserRole)
  scope: vault
  properties: {
    roleDefinitionId: secretsUserRole
    principalId: site.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output hostName string = site.properties.defaultHostName
output siteName string = site.name
