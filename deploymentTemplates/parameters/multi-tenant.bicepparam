// An existing multi-tenant registration (new ones cannot be created since 31 July 2025); appSecret on the command line.
using '../main.bicep'

param appType = 'MultiTenant'
param appId = '<app id of the registration>'
param azureBotId = 'contoso-handoffbot'
