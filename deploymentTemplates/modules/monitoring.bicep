// Log Analytics workspace and a workspace-based Application Insights component; the connection string goes to
// Key Vault (the app reads it through a Key Vault reference as APPLICATIONINSIGHTS_CONNECTION_STRING).
param namePrefix string
param location string
param tags object

@description('Days the workspace keeps logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int

@description('Key Vault that receives the connection string.')
param keyVaultName string

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: '${namePrefix}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-insights'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: false
  }
}

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' existing = {
  name: keyVaultName
}

resource connectionString 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = {
  parent: vault
  name: 'ApplicationInsightsConnectionString'
  properties: {
    value: insights.properties.ConnectionString
  }
}

output connectionStringSecretName string = connectionString.name
output workspaceId string = workspace.id
