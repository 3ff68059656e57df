// HandoffBot in an existing resource group, in one deployment: the app (botApp.bicep) first, then the Azure Bot
// (azureBot.bicep) pointed at the app's messaging endpoint. Parameter names follow the Bot Framework samples.
@description('How the bot signs in: UserAssignedMSI (default; new multi-tenant registrations are deprecated), SingleTenant, or MultiTenant for an existing registration.')
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

@description('Name of the user-assigned managed identity (UserAssignedMSI).')
param UMSIName string = '${namePrefix}-identity'

@description('Resource group of an existing identity; empty creates the identity in this resource group.')
param UMSIResourceGroupName string = ''

@description('Tenant of the registration (UserAssignedMSI, SingleTenant).')
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

@description('Messaging endpoint; empty takes the new Web App\'s https://<host>/api/messages.')
param botEndpoint string = ''

@description('Azure region of the app\'s resources.')
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

@secure()
@description('PostgreSQL administrator password; a new random one on each deployment unless given.')
param postgresAdminPassword string = newGuid()

@description('Create Azure AI Language for sentiment.')
param deployLanguage bool = false

@description('Twilio account for the SMS channel; empty leaves SMS off.')
param twilioAccountSid string = ''

@secure()
@description('Twilio auth token (SMS channel).')
param twilioAuthToken string = ''

@description('Twilio phone number in E.164 form (SMS channel).')
param twilioPhoneNumber string = ''

@description('Tags on every resource.')
param tags object = {}

module app 'botApp.bicep' = {
  name: 'botApp'
  params: {
    appType: appType
    appId: appId
    appSecret: appSecret
    UMSIName: UMSIName
    UMSIResourceGroupName: UMSIResourceGroupName
    tenantId: tenantId
    location: location
    namePrefix: namePrefix
    appServicePlanSku: appServicePlanSku
    deployPostgres: deployPostgres
    postgresSku: postgresSku
    postgresAdminPassword: postgresAdminPassword
    deployLanguage: deployLanguage
    tags: tags
  }
}

module bot 'azureBot.bicep' = {
  name: 'azureBot'
  params: {
    azureBotId: azureBotId
    azureBotSku: azureBotSku
    azureBotRegion: azureBotRegion
    botEndpoint: empty(botEndpoint) ? app.outputs.messagingEndpoint : botEndpoint
    appType: appType
    appId: app.outputs.appId
    tenantId: app.outputs.tenantId
    UMSIName: UMSIName
    UMSIResourceGroupName: empty(UMSIResourceGroupName) ? resourceGroup().name : UMSIResourceGroupName
    keyVaultName: '${namePrefix}-kv'
    twilioAccountSid: twilioAccountSid
    twilioAuthToken: twilioAuthToken
    twilioPhoneNumber: twilioPhoneNumber
    tags: tags
  }
}

@description('The messaging endpoint the Azure Bot calls.')
output messagingEndpoint string = bot.outputs.messagingEndpoint

@description('Resource id of the Azure Bot.')
output botId string = bot.outputs.botId

@description('App id the bot signs in with (the Teams app package\'s botId).')
output appId string = app.outputs.appId
