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
    private MotoServer? _moto;
    private JsonDocument? _scenarios;

    public string Url => _moto!.Url;

    public async Task InitializeAsync()
    {
        _moto = await MotoServer.StartAsync();
        _scenarios = await _moto.SeedAsync("network", "network_scenarios.py");
    }

    public Task DisposeAsync()
    {
        _scenarios?.Dispose();
        _moto?.Dispose();
        return Task.CompletedTask;
    }

    public JsonElement Scenario(string name) => _scenarios!.RootElement.GetProperty(name);

    /// <summary>A pipeline to moto, as a cmdlet run has, over <paramref name="transport"/> when given (to count or script requests).</summary>
    public AwsPipeline Pipeline(HttpMessageHandler? transport = null) =>
        new(TestConnections.Create(new BasicAWSCredentials("test", "test"), endpoint: Url), new AwsPipelineOptions { MaxAttempts = 1 }, transport);

    /// <summary>The EC2 client a cmdlet run makes: AWSSDK.EC2 sending through the pipeline.</summary>
    public AmazonEC2Client CreateClient(AwsPipeline? pipeline = null) => Ec2ClientFactory.Create(pipeline ?? Pipeline());
}

[CollectionDefinition(Name)]
public sealed class MotoEc2Collection : ICollectionFixture<MotoEc2Fixture>
{
    public const string Name = "moto EC2 network scenarios";
}
