// A new resource group (subscription-scope deployment) with the default UserAssignedMSI bot.
using '../newResourceGroup.bicep'

param resourceGroupName = 'rg-handoffbot'
param azureBotId = 'contoso-handoffbot'
