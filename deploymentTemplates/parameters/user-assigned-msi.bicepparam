// Default: a new user-assigned managed identity signs the bot in (no password anywhere), existing resource group.
using '../main.bicep'

param appType = 'UserAssignedMSI'
param azureBotId = 'contoso-handoffbot'
param azureBotSku = 'S1'
param azureBotRegion = 'global'
