using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Connector.Salesforce.Streaming;

/// <summary>
/// Reads delivered Bayeux messages into the typed model. Tolerant by design: a field Salesforce leaves out
/// (changeOrigin "" or missing, no changedFields before API 47, no replay id on a plain Bayeux server) reads
/// as empty, never as an error, so one odd event cannot stop a stream.
/// </summary>
public static partial class StreamingEventParser
{
    /// <summary>An event message (<c>{"channel":..,"data":{..}}</c>) as an event, a gap or an overflow signal.</summary>
    public static StreamingMessage Parse(JsonElement message)
    {
        var channel = message.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : string.Empty;
        var data = message.TryGetProperty("data", out var d) ? d : default;
        return Classify(ParseEvent(channel, data));
    }

    public static StreamingEvent ParseEvent(string channel, JsonElement data)
    {
        long? replayId = null;
        string? type = null;
        DateTimeOffset? created = null;
        var payload = data;
        if (data.ValueKind == JsonValueKind.Object)
        {
            if (data.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                replayId = ReadReplayId(e);
                type = Str(e, "type");
                if (Str(e, "createdDate") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    created = parsed;
                }
            }

            if (data.TryGetProperty("payload", out var p))
            {
                payload = p;
            }
            else if (data.TryGetProperty("sobject", out var s))
            {
                payload = s;
            }
        }

        return new StreamingEvent(channel, replayId, data, payload, ParseHeader(payload), type, created);
    }

    public static ChangeEventHeader? ParseHeader(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object || !payload.TryGetProperty("ChangeEventHeader", out var h) || h.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new ChangeEventHeader(
            Str(h, "entityName") ?? string.Empty,
            Strings(h, "recordIds"),
            Str(h, "changeType") ?? string.Empty,
            Str(h, "changeOrigin"),
            Str(h, "transactionKey"),
            h.TryGetProperty("sequenceNumber", out var seq) && seq.TryGetInt32(out var n) ? n : 0,
            h.TryGetProperty("commitTimestamp", out var ts) && ts.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
            h.TryGetProperty("commitNumber", out var cn) && cn.TryGetInt64(out var number) ? number : null,
            Str(h, "commitUser"),
            Strings(h, "changedFields"),
            Strings(h, "nulledFields"),
            Strings(h, "diffFields"));
    }

    /// <summary>GAP_* and GAP_OVERFLOW change events become signals; everything else stays an event.</summary>
    public static StreamingMessage Classify(StreamingEvent e) => e.ChangeEventHeader switch
    {
        { IsOverflow: true } h => new Overflow(e, h.EntityName),
        { IsGap: true } h => new GapDetected(e, h.EntityName, h.RecordIds, h.ChangeType),
        _ => e,
    };

    /// <summary>
    /// "400::The replayId {1553783} you provided was invalid..." → 1553783. The braces are in Salesforce's
    /// own message (a template it fills in); accepted with or without them.
    /// </summary>
    public static bool TryParseInvalidReplayId(string? error, out long replayId)
    {
        replayId = 0;
        var match = error is null ? Match.Empty : InvalidReplayIdPattern().Match(error);
        return match.Success && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out replayId);
    }

    private static long? ReadReplayId(JsonElement e)
    {
        if (!e.TryGetProperty("replayId", out var r))
        {
            return null;
        }

        // Numbers in CometD JSON (observed); tolerate a string in case a proxy re-encodes it.
        return r.ValueKind switch
        {
            JsonValueKind.Number when r.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(r.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string[] Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
            : [];

    [GeneratedRegex(@"^400::The replayId \{?(-?\d+)\}? you provided was invalid", RegexOptions.CultureInvariant)]
    private static partial Regex InvalidReplayIdPattern();
}
