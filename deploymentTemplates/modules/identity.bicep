// The user-assigned managed identity the bot signs in with (MicrosoftAppType UserAssignedMSI): a new one in this
// resource group, or an existing one when its resource group is given.
@description('Name of the user-assigned managed identity.')
param UMSIName string

@description('Resource group of an existing identity; empty creates the identity in this resource group.')
param UMSIResourceGroupName string

@description('Azure region for a new identity.')
param location string

param tags object

resource created 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = if (empty(UMSIResourceGroupName)) {
  name: UMSIName
  location: location
  tags: tags
}

resource existingIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = if (!empty(UMSIResourceGroupName)) {
  name: UMSIName
  scope: resourceGroup(empty(UMSIResourceGroupName) ? resourceGroup().name : UMSIResourceGroupName)
}

output resourceId string = empty(UMSIResourceGroupName) ? created.id : existingIdentity.id
output clientId string = empty(UMSIResourceGroupName) ? created!.properties.clientId : existingIdentity!.properties.clientId
output tenantId string = empty(UMSIResourceGroupName) ? created!.properties.tenantId : existingIdentity!.properties.tenantId
