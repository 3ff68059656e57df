// Azure AI Language (sentiment) account; its key goes to Key Vault, the endpoint is a plain setting.
param namePrefix string
param location string
param tags object

@allowed([
  'F0'
  'S'
])
param skuName string

param keyVaultName string

resource language 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: '${namePrefix}-language'
  location: location
  tags: tags
  kind: 'TextAnalytics'
  sku: {
    name: skuName
  }
  properties: {
    customSubDomainName: '${namePrefix}-language'
    publicNetworkAccess: 'Enabled'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' existing = {
  name: keyVaultName
}

resource key 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = {
  parent: vault
  name: 'LanguageKey'
  properties: {
    value: language.listKeys().key1
  }
}

output endpoint string = language.properties.endpoint
output keySecretName string = key.name
