// Two steps, the samples' order. Step 1: the app (identity, Key Vault, monitoring, Web App).
using '../botApp.bicep'

param appType = 'UserAssignedMSI'
