// Two steps, the samples' order. Step 2: the Azure Bot, with step 1's outputs (appId, messagingEndpoint, keyVaultName).
using '../azureBot.bicep'

param appType = 'UserAssignedMSI'
param appId = '<appId output of step 1>'
param UMSIName = '<namePrefix>-identity'
param botEndpoint = 'https://<namePrefix>-app.azurewebsites.net/api/messages'
param keyVaultName = '<keyVaultName output of step 1>'
param azureBotId = 'contoso-handoffbot'
