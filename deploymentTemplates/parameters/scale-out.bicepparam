// Scale-out: PostgreSQL flexible server for storage, Azure AI Language for sentiment, SMS through Twilio.
using '../main.bicep'

param appType = 'UserAssignedMSI'
param azureBotId = 'contoso-handoffbot'
param appServicePlanSku = 'P0v3'
param deployPostgres = true
param postgresSku = 'Standard_B2s'
param deployLanguage = true
param twilioAccountSid = '<Twilio account SID>'
param twilioPhoneNumber = '+15550100000'
