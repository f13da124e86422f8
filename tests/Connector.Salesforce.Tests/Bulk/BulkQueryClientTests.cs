using System.Globalization;
using System.Text;
using System.Text.Json;
using Connector.Salesforce.Bulk;
using Connector.Salesforce.Http;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Seeding;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using EmulatorJobs = Connector.SalesforceEmulator.Bulk.BulkQueryJobs;
using EmulatorJobState = Connector.SalesforceEmulator.Bulk.BulkJobState;

namespace Connector.Salesforce.Tests.Bulk;

[CsvRecord]
public sealed partial class LeadRow
{
    public string Id { get; set; } = string.Empty;
    public string? FirstName { get; set; }
    public string LastName { get; set; } = string.Empty;
    public string Company { get; set; } = string.Empty;
    public DateTimeOffset CreatedDate { get; set; }
    public int? NumberOfEmployees { get; set; }
}

public sealed class BulkQueryClientTests
{
    private const string ResultsEndpoint = "GET /services/data/v{version}/jobs/query/{id}/results";
    private const string LeadColumns = "SELECT Id, FirstName, LastName, Company, Email, NumberOfEmployees, CreatedDate FROM Lead";
    private static readonly BulkQueryOptions Fast = new() { FirstPollDelay = TimeSpan.FromMilliseconds(5), MaxPollDelay = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task QueryAsync_ThousandsOfLeads_RowsEqualRestQueryOfTheSameSoql()
    {
        await using var h = await ClientHarness.StartAsync();
        InsertLeads(h.Emulator, 2_500);
        var soql = LeadColumns + " ORDER BY Id";

        var bulk = await h.Get<BulkQueryClient>().QueryAsync(soql, Fast).ToListAsync();
        var rest = await RestQueryAsync(h.Get<SalesforceHttp>(), soql);

        Assert.Equal(2_500, bulk.Count);
        Assert.Equal(rest.Count, bulk.Count);
        for (var i = 0; i < rest.Count; i++)
        {
            var r = rest[i];
            var b = bulk[i];
            Assert.Equal(r.GetProperty("Id").GetString(), b["Id"]);
            Assert.Equal(Text(r, "FirstName"), b["firstname"]);
            Assert.Equal(Text(r, "LastName"), b["LastName"]);
            Assert.Equal(Text(r, "Company"), b["Company"]);
            Assert.Equal(Text(r, "Email"), b["Email"]);
            Assert.Equal(Text(r, "NumberOfEmployees"), b["NumberOfEmployees"]);
            Assert.Equal(
                DateTimeOffset.ParseExact(r.GetProperty("CreatedDate").GetString()!, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(b["CreatedDate"]!, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task QueryAsync_SmallMaxRecords_RequestsTheNextPageOnlyWhenTheConsumerReachesIt()
    {
        await using var h = await ClientHarness.StartAsync();
        InsertLeads(h.Emulator, 2_500);
        var usage = h.Emulator.Get<ApiUsage>();
        long Pages() => usage.ByEndpoint.GetValueOrDefault(ResultsEndpoint);

        var seen = 0;
        var pagesWhenRowRead = new Dictionary<int, long>();
        await foreach (var row in h.Get<BulkQueryClient>().QueryAsync("SELECT Id FROM Lead", Fast with { MaxRecordsPerPage = 1_000 }))
        {
            seen++;
            Assert.NotNull(row["Id"]);
            if (seen is 1 or 1_000 or 1_001 or 2_000 or 2_001 or 2_500)
            {
                pagesWhenRowRead[seen] = Pages();
            }
        }

        Assert.Equal(2_500, seen);
        Assert.Equal(new Dictionary<int, long> { [1] = 1, [1_000] = 1, [1_001] = 2, [2_000] = 2, [2_001] = 3, [2_500] = 3 }, pagesWhenRowRead);
        Assert.Equal(3, Pages());
    }

    [Fact]
    public async Task ReadResultsAsync_ReadAhead_RequestsTheNextPageBeforeTheConsumerReachesItAndNoMore()
    {
        await using var h = await ClientHarness.StartAsync();
        var (client, job, paged, Pages) = await PagedJobAsync(h);
        var lazily = await client.ReadResultsAsync(job.Id, BulkResultPosition.Start, paged).ToListAsync();
        var before = Pages();

        var ahead = new List<BulkResultRow>();
        await foreach (var row in client.ReadResultsAsync(job.Id, BulkResultPosition.Start, paged with { ReadAhead = true }))
        {
            ahead.Add(row);
            if (ahead.Count is 1_000 or 2_000)
            {
                // The last row of a page: the next page was requested while this one was read.
                var page = ahead.Count / 1_000;
                await WaitUntilAsync(() => Pages() - before == page + 1, $"page {page + 1} requested while page {page} was read");
            }
        }

        // The same rows at the same positions, and a request per page, none more.
        Assert.Equal(lazily.Select(r => (r.Values[0], r.Position)), ahead.Select(r => (r.Values[0], r.Position)));
        Assert.Equal(3, Pages() - before);
    }

    [Fact]
    public async Task ReadResultsAsync_ReadAheadAndTheConsumerStopsEarly_EndsQuietlyAfterOnePageMore()
    {
        await using var h = await ClientHarness.StartAsync();
        var (client, job, paged, Pages) = await PagedJobAsync(h);

        var read = 0;
        await foreach (var row in client.ReadResultsAsync(job.Id, BulkResultPosition.Start, paged with { ReadAhead = true }))
        {
            if (++read == 10)
            {
                break; // the page requested ahead is cancelled and disposed, and nothing is thrown
            }
        }

        Assert.Equal(10, read);
        Assert.InRange(Pages(), 1, 2);
    }

    /// <summary>A completed job over 2,500 leads read in pages of 1,000, and the count of results pages requested so far.</summary>
    private static async Task<(BulkQueryClient Client, BulkQueryJob Job, BulkQueryOptions Paged, Func<long> Pages)> PagedJobAsync(ClientHarness h)
    {
        InsertLeads(h.Emulator, 2_500);
        var usage = h.Emulator.Get<ApiUsage>();
        var client = h.Get<BulkQueryClient>();
        var paged = Fast with { MaxRecordsPerPage = 1_000 };
        var job = await client.RunJobAsync("SELECT Id FROM Lead", paged);
        return (client, job, paged, () => usage.ByEndpoint.GetValueOrDefault(ResultsEndpoint));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting: {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task QueryAsync_LargePage_IsParsedOffTheStreamWithoutBufferingIt()
    {
        var meter = new ReadMeter();
        await using var h = await ClientHarness.StartAsync(configure: s => s.AddHttpClient<SalesforceHttp>().AddHttpMessageHandler(() => new MeteringHandler(meter)));
        InsertLeads(h.Emulator, 20_000);

        var rows = 0;
        long readAfterTenRows = 0;
        await foreach (var row in h.Get<BulkQueryClient>().QueryAsync(LeadColumns, Fast))
        {
            if (++rows == 10)
            {
                readAfterTenRows = meter.BytesRead;
            }
        }

        // One 20,000-row page of about 2 MB; after ten rows the client has pulled at most a couple of read buffers.
        Assert.Equal(20_000, rows);
        Assert.True(meter.BytesRead > 1_500_000, $"page was {meter.BytesRead} bytes");
        Assert.True(readAfterTenRows < 256 * 1024, $"{readAfterTenRows} bytes read from the page after ten rows");
    }

    [Fact]
    public async Task QueryAsync_Typed_MapsColumnsOntoTheRecordType()
    {
        await using var h = await ClientHarness.StartAsync();
        var ids = InsertLeads(h.Emulator, 3);

        var rows = await h.Get<BulkQueryClient>().QueryAsync<LeadRow>(LeadColumns + " ORDER BY LastName", Fast).ToListAsync();

        Assert.Equal(ids.Order(StringComparer.Ordinal), rows.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["Lead 00000", "Lead 00001", "Lead 00002"], rows.Select(r => r.LastName));
        Assert.Null(rows[0].FirstName);
        Assert.Equal("Ann", rows[1].FirstName);
        Assert.Null(rows[0].NumberOfEmployees);
        Assert.Equal(10, rows[1].NumberOfEmployees);
        Assert.All(rows, r => Assert.True(r.CreatedDate > DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public async Task QueryAsync_IncludeDeleted_RunsQueryAll()
    {
        await using var h = await ClientHarness.StartAsync();
        var ids = InsertLeads(h.Emulator, 2);
        DeleteRecord(h.Emulator, ids[0]);

        var live = await h.Get<BulkQueryClient>().QueryAsync("SELECT Id, IsDeleted FROM Lead", Fast).ToListAsync();
        var all = await h.Get<BulkQueryClient>().QueryAsync("SELECT Id, IsDeleted FROM Lead", Fast with { IncludeDeleted = true }).ToListAsync();

        Assert.Equal([ids[1]], live.Select(r => r["Id"]));
        Assert.Equal("true", Assert.Single(all, r => r["Id"] == ids[0])["IsDeleted"]);
    }

    [Fact]
    public async Task QueryAsync_PollsWithBackoffUpToTheMaximum()
    {
        var time = new ScaledTimeProvider(100, TimeSpan.FromSeconds(10));
        await using var h = await ClientHarness.StartAsync(
            // Real time: long enough for several polls even when each round trip is slow (the suite runs in parallel).
            emulatorSettings: new Dictionary<string, string?> { ["Emulator:BulkQuery:ProcessingDelay"] = "00:00:02" },
            configure: s => s.AddSingleton<TimeProvider>(time));
        InsertLeads(h.Emulator, 1);
        var options = new BulkQueryOptions { FirstPollDelay = TimeSpan.FromSeconds(1), PollBackoffFactor = 2, MaxPollDelay = TimeSpan.FromSeconds(4) };

        var rows = await h.Get<BulkQueryClient>().QueryAsync("SELECT Id FROM Lead", options).ToListAsync();

        Assert.Single(rows);
        var polls = time.RequestedDelays.Where(d => d <= options.MaxPollDelay && d > TimeSpan.Zero).ToList();
        // Doubling from the first delay, then held at the maximum for every poll after it reaches it.
        Assert.True(polls.Count >= 4, string.Join(", ", polls));
        Assert.Equal([1, 2, .. Enumerable.Repeat(4.0, polls.Count - 2)], polls.Select(d => d.TotalSeconds));
    }

    [Fact]
    public async Task QueryAsync_CallerCancelsWhileTheJobRuns_AbortsTheJob()
    {
        await using var h = await ClientHarness.StartAsync(new Dictionary<string, string?> { ["Emulator:BulkQuery:ProcessingDelay"] = "00:10:00" });
        var jobs = h.Emulator.Get<EmulatorJobs>();
        using var cancel = new CancellationTokenSource();

        var export = h.Get<BulkQueryClient>().QueryAsync("SELECT Id FROM Lead", Fast, cancel.Token).ToListAsync().AsTask();
        // The job runs in the org as soon as it is created, before the client has read its id: cancel only once the
        // client polls it, so the cancellation lands while the client knows which job to abort.
        await Wait.UntilAsync(
            () => jobs.All.Any(j => j.State == EmulatorJobState.InProgress) && h.Emulator.Get<ApiUsage>().ByEndpoint.GetValueOrDefault("GET /services/data/v{version}/jobs/query/{id}") > 0,
            "the client to poll the running job");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => export);
        var job = Assert.Single(jobs.All);
        Assert.Equal(EmulatorJobState.Aborted, job.State);
        Assert.Equal(1, h.Emulator.Get<ApiUsage>().ByEndpoint.GetValueOrDefault("PATCH /services/data/v{version}/jobs/query/{id}"));
    }

    [Fact]
    public async Task QueryAsync_CallerCancelsWhileTheCreateCallIsInFlight_AbortsTheJobItCreated()
    {
        await using var h = await ClientHarness.StartAsync(new Dictionary<string, string?> { ["Emulator:BulkQuery:ProcessingDelay"] = "00:10:00" });
        var jobs = h.Emulator.Get<EmulatorJobs>();
        var faults = h.Emulator.Get<SalesforceEmulator.Faults.FaultInjector>();
        faults.Configure(new SalesforceEmulator.Faults.FaultSettings { LatencyMs = 1_000, EndpointFilter = "POST /services/data/v{version}/jobs/query" });
        using var cancel = new CancellationTokenSource();

        var export = h.Get<BulkQueryClient>().QueryAsync("SELECT Id FROM Lead", Fast, cancel.Token).ToListAsync().AsTask();
        await Wait.UntilAsync(() => faults.HeldByLatency > 0, "the create call to reach the org");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => export);
        var job = Assert.Single(jobs.All); // the org created it: the call was not cut short
        Assert.Equal(EmulatorJobState.Aborted, job.State);
        Assert.Equal(1, h.Emulator.Get<ApiUsage>().ByEndpoint.GetValueOrDefault("PATCH /services/data/v{version}/jobs/query/{id}"));
        Assert.Equal(0, h.Emulator.Get<ApiUsage>().ByEndpoint.GetValueOrDefault("GET /services/data/v{version}/jobs/query/{id}"));
    }

    [Fact]
    public async Task QueryAsync_UnsupportedSoql_ThrowsTheTypedSalesforceError()
    {
        await using var h = await ClientHarness.StartAsync();

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => h.Get<BulkQueryClient>().QueryAsync("SELECT COUNT() FROM Lead", Fast).ToListAsync().AsTask());

        Assert.Equal("API_ERROR", e.ErrorCode);
        Assert.Contains("Aggregate queries are not supported", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.Emulator.Get<ApiUsage>().ByEndpoint.GetValueOrDefault("POST /services/data/v{version}/jobs/query"));
    }

    [Fact]
    public async Task QueryAsync_JobFails_ThrowsWithTheJobsErrorMessage()
    {
        await using var h = await ClientHarness.StartAsync(new Dictionary<string, string?> { ["Emulator:BulkQuery:ProcessingDelay"] = "00:10:00" });
        var jobs = h.Emulator.Get<EmulatorJobs>();

        var export = h.Get<BulkQueryClient>().QueryAsync("SELECT Id FROM Lead", Fast).ToListAsync().AsTask();
        await Wait.UntilAsync(() => jobs.All.Any(j => j.State == EmulatorJobState.InProgress), "the job to start");
        var job = jobs.All.Single();
        job.TryMove(EmulatorJobState.Failed, DateTimeOffset.UtcNow, error: "InvalidBatch : Failed to process query: too many rows");

        var e = await Assert.ThrowsAsync<BulkQueryException>(() => export);
        Assert.Equal(job.Id, e.JobId);
        Assert.Equal(BulkJobState.Failed, e.State);
        Assert.Equal("InvalidBatch : Failed to process query: too many rows", e.ErrorMessage);
        Assert.Contains("InvalidBatch : Failed to process query", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadPageAsync_DocumentedResultsPage_ParsesTheRows()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "bulk2", "query_results_page1_http_with_sforce_locator_doc_example.txt"));
        var split = text.ReplaceLineEndings("\n").Split("\n\n", 2);
        Assert.Contains("Sforce-Locator: MTAwMDA", split[0], StringComparison.Ordinal);
        // The documentation elides the rest of the page with "...": keep the CSV lines.
        var csv = string.Join("\n", split[1].Split('\n').Where(l => l.Length > 0 && l != "...")) + "\n";

        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        var rows = await BulkQueryClient.ReadPageAsync(stream, BulkQueryClient.DictionaryRows, CancellationToken.None).ToListAsync();

        Assert.Equal(3, rows.Count);
        Assert.Equal("005R0000000UyrWIAS", rows[0]["Id"]);
        Assert.Equal("Jane Dunn", rows[0]["Name"]);
        Assert.Equal("Pat Wilson", rows[2]["name"]);
    }

    [Fact]
    public async Task ReadPageAsync_QuotedValuesAndNulls_AreReadAsSalesforceWroteThem()
    {
        const string csv = "\"Id\",\"Name\",\"Industry\"\n\"001\",\"Acme \"\"Rockets\"\", Inc.\",\n\"002\",\"Line\nBreak\",\"Banking\"\n";
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(csv));

        var rows = await BulkQueryClient.ReadPageAsync(stream, BulkQueryClient.DictionaryRows, CancellationToken.None).ToListAsync();

        Assert.Equal("Acme \"Rockets\", Inc.", rows[0]["Name"]);
        Assert.Null(rows[0]["Industry"]);
        Assert.Equal("Line\nBreak", rows[1]["Name"]);
        Assert.Equal("Banking", rows[1]["Industry"]);
    }

    private static List<string> InsertLeads(EmulatorServer emulator, int count)
    {
        var lead = emulator.Store.Schema.Find("Lead")!;
        var dml = emulator.Get<Dml>();
        var ids = new List<string>(count);
        using var tx = emulator.Store.BeginTransaction(new DmlContext(emulator.Get<OrgBootstrap>().IntegrationUserId) { AutoAssign = false });
        for (var i = 0; i < count; i++)
        {
            var values = Dml.ReadValues(lead, [
                new("LastName", $"Lead {i:D5}"), new("FirstName", i % 2 == 0 ? null : "Ann"), new("Company", $"Company \"{i % 97}\", Ltd"),
                new("Email", i % 3 == 0 ? null : $"lead{i}@example.com"), new("NumberOfEmployees", i % 2 == 0 ? null : (object)(i * 10)),
            ]);
            ids.Add(dml.Insert(tx, lead, values).Id);
        }

        tx.Commit();
        return ids;
    }

    private static void DeleteRecord(EmulatorServer emulator, string id)
    {
        using var tx = emulator.Store.BeginTransaction(new DmlContext(emulator.Get<OrgBootstrap>().IntegrationUserId));
        emulator.Get<Dml>().Delete(tx, tx.Reader.Find(id)!);
        tx.Commit();
    }

    private static async Task<List<JsonElement>> RestQueryAsync(SalesforceHttp http, string soql)
    {
        var records = new List<JsonElement>();
        string? next = http.Api("query?q=" + Uri.EscapeDataString(soql));
        while (next is not null)
        {
            var page = await http.GetJsonAsync(next, CallPriority.Normal, CancellationToken.None);
            records.AddRange(page.GetProperty("records").EnumerateArray());
            next = page.TryGetProperty("nextRecordsUrl", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        }

        return records;
    }

    private static string? Text(JsonElement record, string field) =>
        record.GetProperty(field) switch
        {
            { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
            var v => v.GetString(),
        };

    private sealed class ReadMeter
    {
        private long _bytes;
        public long BytesRead => Interlocked.Read(ref _bytes);
        public void Add(int bytes) => Interlocked.Add(ref _bytes, bytes);
    }

    /// <summary>Counts the bytes the client pulls from Bulk results bodies, as it pulls them.</summary>
    private sealed class MeteringHandler(ReadMeter meter) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/results", StringComparison.Ordinal))
            {
                var inner = response.Content;
                var stream = await inner.ReadAsStreamAsync(cancellationToken);
                var metered = new StreamContent(new MeteredStream(stream, meter));
                foreach (var header in inner.Headers)
                {
                    metered.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response.Content = metered;
            }

            return response;
        }
    }

    private sealed class MeteredStream(Stream inner, ReadMeter meter) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Count(await inner.ReadAsync(buffer, cancellationToken));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Count(int read)
        {
            meter.Add(read);
            return read;
        }
    }
}
