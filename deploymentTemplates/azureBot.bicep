// The Azure Bot resource with the Teams, Web Chat and Direct Line channels and an optional SMS (Twilio) channel;
// the Direct Line site key goes to Key Vault, where the Web App reads it as DirectLine:Secret. Deployed by main.bicep
// after the app, or on its own as the second step (the Bot Framework samples' order: the app, then the Azure Bot).
@description('Name of the Azure Bot resource (globally unique handle).')
param azureBotId string

@description('Pricing tier: F0 (free, standard channels) or S1.')
@allowed([
  'F0'
  'S1'
])
param azureBotSku string = 'S1'

@description('Region of the Azure Bot resource; "global" unless data must stay in a region (westeurope, centralindia).')
@allowed([
  'global'
  'westeurope'
  'centralindia'
])
param azureBotRegion string = 'global'

@description('Messaging endpoint, https://<host>/api/messages.')
param botEndpoint string

@description('How the bot signs in: UserAssignedMSI (default), SingleTenant, or MultiTenant for an existing registration.')
@allowed([
  'UserAssignedMSI'
  'SingleTenant'
  'MultiTenant'
])
param appType string = 'UserAssignedMSI'

@description('App (client) id of the registration or of the managed identity.')
param appId string

@description('Tenant of the registration (UserAssignedMSI, SingleTenant).')
param tenantId string = subscription().tenantId

@description('Managed identity the bot signs in with (UserAssignedMSI).')
param UMSIName string = ''

@description('Resource group of that identity.')
param UMSIResourceGroupName string = resourceGroup().name

param tags object = {}

@description('Vault that receives the Direct Line secret; empty keeps it only in the bot resource.')
param keyVaultName string = ''

@description('Twilio account for the SMS channel; empty leaves SMS off.')
param twilioAccountSid string = ''

@secure()
@description('Twilio auth token (SMS channel).')
param twilioAuthToken string = ''

@description('Twilio phone number in E.164 form, +15551234567.')
param twilioPhoneNumber string = ''

var identityResourceId = appType == 'UserAssignedMSI'
  ? resourceId(UMSIResourceGroupName, 'Microsoft.ManagedIdentity/userAssignedIdentities', UMSIName)
  : ''

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: azureBotId
  location: azureBotRegion
  tags: tags
  kind: 'azurebot'
  sku: {
    name: azureBotSku
  }
  properties: {
    displayName: azureBotId
    endpoint: botEndpoint
    msaAppId: appId
    msaAppType: appType
    msaAppTenantId: appType == 'MultiTenant' ? '' : tenantId
    msaAppMSIResourceId: identityResourceId
    disableLocalAuth: false
    schemaTransformationVersion: '1.3'
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: azureBotRegion
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
      enableCalling: false
    }
  }
}

resource webChat 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'WebChatChannel'
  location: azureBotRegion
  properties: {
    channelName: 'WebChatChannel'
    properties: {
      sites: [
        {
          siteName: 'Default Site'
          isEnabled: true
          isWebchatPreviewEnabled: true
        }
      ]
    }
  }
}

resource directLine 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'DirectLineChannel'
  location: azureBotRegion
  properties: {
    channelName: 'DirectLineChannel'
    properties: {
      sites: [
        {
          siteName: 'Default Site'
          isEnabled: true
          isV1Enabled: false
          isV3Enabled: true
          isSecureSiteEnabled: false
        }
      ]
    }
  }
}

resource sms 'Microsoft.BotService/botServices/channels@2022-09-15' = if (!empty(twilioAccountSid)) {
  parent: bot
  name: 'SmsChannel'
  location: azureBotRegion
  properties: {
    channelName: 'SmsChannel'
    properties: {
      isEnabled: true
      accountSID: twilioAccountSid
      authToken: twilioAuthToken
      phone: twilioPhoneNumber
      isValidated: false
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' existing = if (!empty(keyVaultName)) {
  name: empty(keyVaultName) ? 'unused' : keyVaultName
}

resource directLineSecret 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = if (!empty(keyVaultName)) {
  parent: vault
  name: 'DirectLineSecret'
  properties: {
    value: directLine.listChannelWithKeys().properties.properties.sites[0].key
  }
}

output botId string = bot.id
output messagingEndpoint string = bot.properties.endpoint
