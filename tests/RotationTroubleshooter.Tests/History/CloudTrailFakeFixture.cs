using System.Diagnostics;
using System.Text.Json;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.History;
using RotationTroubleshooter.Tests.Aws;
using RotationTroubleshooter.Tests.Database;

namespace RotationTroubleshooter.Tests.History;

/// <summary>
/// Starts tests/fakes/aws_proxy.py (CloudTrail's LookupEvents at AWS's 2 requests per second; a recorded denial for
/// lookups naming "denied-by-policy"), seeds it with tests/scenarios/cloudtrail_history.py over HTTP and keeps what boto3
/// read back, and stops the proxy afterwards. Nothing else is upstream: these tests call CloudTrail only.
/// </summary>
public sealed class CloudTrailFakeFixture : IAsyncLifetime
{
    public const string DeniedResource = "denied-by-policy";

    private Process? _proxy;
    private JsonDocument? _world;
    private string _state = "";

    public string Url { get; private set; } = "";
    public JsonElement World => _world!.RootElement;
    public string Canary => World.GetProperty("canary").GetString()!;
    public DateTime Now => DateTime.Parse(World.GetProperty("now").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal);

    public async Task InitializeAsync()
    {
        var root = DatabaseServersFixture.FindRepositoryRoot();
        var port = DatabaseLoginProbeTests.FreePort();
        Url = $"http://127.0.0.1:{port}";
        _state = Directory.CreateTempSubdirectory("rt-cloudtrail-").FullName;
        // The upstream is a closed port: a request the fake does not answer fails at once instead of reaching anything.
        _proxy = TestProcesses.StartServer("python3", [Path.Combine(root, "tests", "fakes", "aws_proxy.py"),
            "--upstream", $"http://127.0.0.1:{DatabaseLoginProbeTests.FreePort()}", "--port", port.ToString(), "--request-log", RequestLogPath,
            "--recorded", Path.Combine(root, "tests", "fakes", "recorded", "cloudtrail-denied.json")]);
        await WaitUntilAnsweringAsync(TimeSpan.FromSeconds(30));
        _world = await TestProcesses.RunSeedAsync(Path.Combine(root, "tests", "scenarios", "cloudtrail_history.py"), [Url], "the CloudTrail history");
    }

    public Task DisposeAsync()
    {
        _world?.Dispose();
        TestProcesses.Stop(_proxy);
        if (_state.Length > 0) Directory.Delete(_state, recursive: true);
        return Task.CompletedTask;
    }

    public string RequestLogPath => Path.Combine(_state, "requests.jsonl");

    /// <summary>The proxy's log of LookupEvents answers since <paramref name="since"/> (Unix seconds): status and whether it throttled.</summary>
    public IReadOnlyList<(double Start, int Status, bool Throttled)> LookupsSince(double since) =>
        File.Exists(RequestLogPath)
            ? File.ReadAllLines(RequestLogPath).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("op").GetString() == "cloudtrail:LookupEvents" && e.GetProperty("start").GetDouble() >= since)
                .Select(e => (e.GetProperty("start").GetDouble(), e.GetProperty("status").GetInt32(), e.GetProperty("throttled").GetBoolean()))
                .ToList()
            : [];

    /// <summary>A pipeline to the fake as a cmdlet run has it (retries included).</summary>
    public AwsPipeline Pipeline(int maxAttempts = 6) =>
        new(TestConnections.Create(new BasicAWSCredentials("testing", "testing"), endpoint: Url), new AwsPipelineOptions { MaxAttempts = maxAttempts });

    public CloudTrailClient Client() => new(Pipeline());

    public string Text(params string[] path)
    {
        var element = World;
        foreach (var step in path) element = element.GetProperty(step);
        return element.GetString()!;
    }

    public DateTime Time(string name) => DateTime.Parse(Text("times", name), null, System.Globalization.DateTimeStyles.AdjustToUniversal);

    public TrackedResource Resource(HistoryResourceKind kind, params string[] path) => new(kind, Text(path));

    private async Task WaitUntilAnsweringAsync(TimeSpan limit)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                using var answer = await http.PostAsync($"{Url}/_cloudtrail/reset", new StringContent("{}"));
                if (answer.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"The CloudTrail fake did not answer at {Url}.");
            await Task.Delay(200);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CloudTrailFakeCollection : ICollectionFixture<CloudTrailFakeFixture>
{
    public const string Name = "CloudTrail Event history served from loopback";
}
