// An existing single-tenant app registration; pass its secret on the command line (appSecret=...), it goes to Key Vault.
using '../main.bicep'

param appType = 'SingleTenant'
param appId = '<app id of the registration>'
param tenantId = '<tenant id of the registration>'
param azureBotId = 'contoso-handoffbot'
