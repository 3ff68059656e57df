// UserAssignedMSI with an identity that already exists (the samples' UMSIName and UMSIResourceGroupName).
using '../main.bicep'

param appType = 'UserAssignedMSI'
param UMSIName = 'contoso-handoffbot-identity'
param UMSIResourceGroupName = 'contoso-identities'
param azureBotId = 'contoso-handoffbot'
