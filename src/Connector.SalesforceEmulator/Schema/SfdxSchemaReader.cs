namespace Connector.SalesforceEmulator.Schema;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class SfdxSchemaReader
{
    public static IEnumerable<SObjectSchema> Apply(IEnumerable<SObjectSchema> standard, string metadataPath) => standard;
}
