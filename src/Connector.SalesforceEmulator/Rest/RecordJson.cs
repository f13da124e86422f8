using System.Text.Json;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>Writes records as the REST API does: attributes first, then fields, empty ones as explicit null.</summary>
public static class RecordJson
{
    public static void WriteAttributes(Utf8JsonWriter w, SObjectSchema schema, string? id, string basePath)
    {
        w.WritePropertyName("attributes");
        w.WriteStartObject();
        w.WriteString("type", schema.Name);
        if (id is not null)
        {
            w.WriteString("url", $"{basePath}/sobjects/{schema.Name}/{id}");
        }

        w.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter w, SObjectRecord record, IEnumerable<FieldSchema> fields, string basePath)
    {
        w.WriteStartObject();
        WriteAttributes(w, record.Schema, record.Id, basePath);
        foreach (var f in fields)
        {
            w.WritePropertyName(f.Name);
            FieldValues.WriteJson(w, f, record[f]);
        }

        w.WriteEndObject();
    }

    public static byte[] ToUtf8(SObjectRecord record, IEnumerable<FieldSchema> fields, string basePath)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, SalesforceJson.WriterOptions))
        {
            Write(w, record, fields, basePath);
        }

        return buffer.ToArray();
    }

    public static IResult Result(byte[] utf8, int status = 200) => SalesforceJson.Result(status, utf8);
}
