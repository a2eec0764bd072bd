using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Amazon.EC2;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Network;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Network;

/// <summary>Starts moto_server on a free loopback port, seeds every network scenario through boto3 once, and stops moto afterwards.</summary>
public sealed class MotoEc2Fixture : IAsyncLifetime
{
    private Process? _moto;
    private JsonDocument? _scenarios;

    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}";
        _moto = TestProcesses.StartServer("moto_server", ["-H", "127.0.0.1", "-p", port.ToString()]);
        await WaitForPortAsync(port, TimeSpan.FromSeconds(30));

        var script = Path.Combine(RepositoryRoot(), "tests", "scenarios", "network", "network_scenarios.py");
        _scenarios = await TestProcesses.RunSeedAsync(script, [Url], "the network scenarios");
    }

    public Task DisposeAsync()
    {
        _scenarios?.Dispose();
        TestProcesses.Stop(_moto);
        return Task.CompletedTask;
    }

    public JsonElement Scenario(string name) => _scenarios!.RootElement.GetProperty(name);

    /// <summary>A pipeline to moto, as a cmdlet run has, over <paramref name="transport"/> when given (to count or script requests).</summary>
    public AwsPipeline Pipeline(HttpMessageHandler? transport = null) =>
        new(TestConnections.Create(new BasicAWSCredentials("test", "test"), endpoint: Url), new AwsPipelineOptions { MaxAttempts = 1 }, transport);

    /// <summary>The EC2 client a cmdlet run makes: AWSSDK.EC2 sending through the pipeline.</summary>
    public AmazonEC2Client CreateClient(AwsPipeline? pipeline = null) => Ec2ClientFactory.Create(pipeline ?? Pipeline());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RotationTroubleshooter.sln")))
                return dir.FullName;
        throw new InvalidOperationException("RotationTroubleshooter.sln not found above the test output folder.");
    }
}

[CollectionDefinition(Name)]
public sealed class MotoEc2Collection : ICollectionFixture<MotoEc2Fixture>
{
    public const string Name = "moto EC2 network scenarios";
}
