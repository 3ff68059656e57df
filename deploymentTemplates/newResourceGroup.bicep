// HandoffBot in a new resource group: creates the group, then deploys main.bicep into it.
targetScope = 'subscription'

@description('Name of the new resource group.')
param resourceGroupName string

@description('Azure region of the group and of the app\'s resources.')
param location string = deployment().location

@description('How the bot signs in: UserAssignedMSI (default), SingleTenant, or MultiTenant for an existing registration.')
@allowed([
  'UserAssignedMSI'
  'SingleTenant'
  'MultiTenant'
])
param appType string = 'UserAssignedMSI'

@description('App (client) id of an existing registration; empty with UserAssignedMSI takes the new identity\'s client id.')
param appId string = ''

@secure()
@description('Client secret of the registration (SingleTenant, MultiTenant); stored in Key Vault only.')
param appSecret string = ''

@description('Tenant of the registration.')
param tenantId string = subscription().tenantId

@description('Name of the Azure Bot resource (globally unique handle).')
param azureBotId string

@description('Azure Bot pricing tier.')
@allowed([
  'F0'
  'S1'
])
param azureBotSku string = 'S1'

@description('Region of the Azure Bot resource.')
@allowed([
  'global'
  'westeurope'
  'centralindia'
])
param azureBotRegion string = 'global'

@description('Create Azure Database for PostgreSQL flexible server for the scale-out storage provider.')
param deployPostgres bool = false

@description('Create Azure AI Language for sentiment.')
param deployLanguage bool = false

@description('Tags on every resource.')
param tags object = {}

resource group 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module bot 'main.bicep' = {
  name: 'handoffBot'
  scope: group
  params: {
    appType: appType
    appId: appId
    appSecret: appSecret
    tenantId: tenantId
    azureBotId: azureBotId
    azureBotSku: azureBotSku
    azureBotRegion: azureBotRegion
    location: location
    deployPostgres: deployPostgres
    deployLanguage: deployLanguage
    tags: tags
  }
}

@description('The messaging endpoint the Azure Bot calls.')
output messagingEndpoint string = bot.outputs.messagingEndpoint

@description('Resource id of the Azure Bot.')
output botId string = bot.outputs.botId

@description('App id the bot signs in with.')
output appId string = bot.outputs.appId
