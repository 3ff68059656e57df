// The bot's application: managed identity (UserAssignedMSI), Key Vault, Log Analytics + Application Insights, App
// Service plan (Linux) + Web App on .NET 10, and optionally PostgreSQL (scale-out storage) and Azure AI Language
// (sentiment). The first step of the Bot Framework samples' order; azureBot.bicep is the second, main.bicep both.
@description('How the bot signs in: UserAssignedMSI (default), SingleTenant, or MultiTenant for an existing registration.')
@allowed([
  'UserAssignedMSI'
  'SingleTenant'
  'MultiTenant'
])
param appType string = 'UserAssignedMSI'

@description('App (client) id of an existing registration; empty with UserAssignedMSI takes the identity\'s client id.')
param appId string = ''

@secure()
@description('Client secret of the registration (SingleTenant, MultiTenant); stored in Key Vault only.')
param appSecret string = ''

@description('Name of the user-assigned managed identity (UserAssignedMSI).')
param UMSIName string = '${namePrefix}-identity'

@description('Resource group of an existing identity; empty creates the identity in this resource group.')
param UMSIResourceGroupName string = ''

@description('Tenant of the registration (UserAssignedMSI, SingleTenant).')
param tenantId string = subscription().tenantId

@description('Azure region of the resources.')
param location string = resourceGroup().location

@description('Prefix of every resource name (Key Vault names are at most 24 characters).')
@minLength(3)
@maxLength(21)
param namePrefix string = 'hb${uniqueString(resourceGroup().id)}'

@description('App Service plan size.')
@allowed([
  'B1'
  'B2'
  'S1'
  'P0v3'
  'P1v3'
])
param appServicePlanSku string = 'B1'

@description('Create Azure Database for PostgreSQL flexible server for the scale-out storage provider.')
param deployPostgres bool = false

@description('PostgreSQL compute size.')
@allowed([
  'Standard_B1ms'
  'Standard_B2s'
  'Standard_D2ds_v5'
  'Standard_D4ds_v5'
])
param postgresSku string = 'Standard_B1ms'

@description('PostgreSQL administrator login.')
param postgresAdminLogin string = 'handoffbot'

@secure()
@description('PostgreSQL administrator password; a new random one on each deployment unless given.')
param postgresAdminPassword string = newGuid()

@description('Create Azure AI Language for sentiment (the local analyzer stays the fallback).')
param deployLanguage bool = false

@description('Azure AI Language pricing tier.')
@allowed([
  'F0'
  'S'
])
param languageSku string = 'S'

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Tags on every resource.')
param tags object = {}

var useIdentity = appType == 'UserAssignedMSI'
var keyVaultName = '${namePrefix}-kv'

module identity 'modules/identity.bicep' = if (useIdentity) {
  name: 'identity'
  params: {
    UMSIName: UMSIName
    UMSIResourceGroupName: UMSIResourceGroupName
    location: location
    tags: tags
  }
}

module vault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  params: {
    name: keyVaultName
    location: location
    tags: tags
    appSecret: useIdentity ? '' : appSecret
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    namePrefix: namePrefix
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
    keyVaultName: keyVaultName
  }
  dependsOn: [
    vault
  ]
}

module postgres 'modules/postgres.bicep' = if (deployPostgres) {
  name: 'postgres'
  params: {
    namePrefix: namePrefix
    location: location
    tags: tags
    administratorLogin: postgresAdminLogin
    administratorPassword: postgresAdminPassword
    skuName: postgresSku
    keyVaultName: keyVaultName
  }
  dependsOn: [
    vault
  ]
}

module language 'modules/language.bicep' = if (deployLanguage) {
  name: 'language'
  params: {
    namePrefix: namePrefix
    location: location
    tags: tags
    skuName: languageSku
    keyVaultName: keyVaultName
  }
  dependsOn: [
    vault
  ]
}

var botAppId = useIdentity && empty(appId) ? identity!.outputs.clientId : appId

module web 'modules/webApp.bicep' = {
  name: 'webApp'
  params: {
    namePrefix: namePrefix
    location: location
    tags: tags
    planSku: appServicePlanSku
    appType: appType
    appId: botAppId
    tenantId: useIdentity ? identity!.outputs.tenantId : tenantId
    identityResourceId: useIdentity ? identity!.outputs.resourceId : ''
    keyVaultName: keyVaultName
    insightsSecretName: monitoring.outputs.connectionStringSecretName
    appPasswordSecretName: useIdentity || empty(appSecret) ? '' : 'MicrosoftAppPassword'
    postgresSecretName: deployPostgres ? postgres!.outputs.secretName : ''
    languageKeySecretName: deployLanguage ? language!.outputs.keySecretName : ''
    languageEndpoint: deployLanguage ? language!.outputs.endpoint : ''
  }
}

@description('The messaging endpoint to give the Azure Bot (botEndpoint).')
output messagingEndpoint string = 'https://${web.outputs.hostName}/api/messages'

@description('App id the bot signs in with.')
output appId string = botAppId

@description('Tenant of the bot\'s identity or registration.')
output tenantId string = useIdentity ? identity!.outputs.tenantId : tenantId

@description('Vault with the bot\'s secrets; give it to azureBot.bicep as keyVaultName.')
output keyVaultName string = vault.outputs.name

@description('Resource id of the managed identity, empty without one.')
output identityResourceId string = useIdentity ? identity!.outputs.resourceId : ''
