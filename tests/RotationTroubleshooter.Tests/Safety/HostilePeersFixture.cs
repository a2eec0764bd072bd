using System.Diagnostics;
using System.Text.Json;

namespace RotationTroubleshooter.Tests.Safety;

[CollectionDefinition(Name)]
public sealed class HostilePeersCollection : ICollectionFixture<HostilePeersFixture>
{
    public const string Name = "Hostile peers";
}

/// <summary>
/// The hostile database servers of tests/fakes/hostile_peers.py, started for the test run on loopback ports and stopped
/// afterwards. Each records every byte a client sends it, so a test can say what never arrived.
/// </summary>
public sealed class HostilePeersFixture : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    public HostilePeersFixture()
    {
        StateDirectory = Path.Combine(Path.GetTempPath(), "rt-hostile-peers-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(StateDirectory);
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(Database.DatabaseServersFixture.FindRepositoryRoot(), "tests", "fakes", "hostile_peers.py"));
        start.ArgumentList.Add("--state-dir");
        start.ArgumentList.Add(StateDirectory);
        _process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var state = Path.Combine(StateDirectory, "peers.json");
        var watch = Stopwatch.StartNew();
        while (!File.Exists(state))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"hostile_peers.py exited ({_process.ExitCode}): {_process.StandardError.ReadToEnd()}");
            if (watch.Elapsed > StartTimeout)
                throw new TimeoutException("hostile_peers.py did not write peers.json in time.");
            Thread.Sleep(50);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(state));
        CaCertificatePath = document.RootElement.GetProperty("caCertificatePath").GetString()!;
        HostileText = document.RootElement.GetProperty("hostileText").GetString()!;
        Ports = document.RootElement.GetProperty("peers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
    }

    public string StateDirectory { get; }
    /// <summary>The CA that signed the certificate of the peers that present a trusted one.</summary>
    public string CaCertificatePath { get; }
    /// <summary>The escape sequences pg-hostile-text puts in its error.</summary>
    public string HostileText { get; }
    public IReadOnlyDictionary<string, int> Ports { get; }

    /// <summary>Every connection the peer has recorded so far: its events and the bytes it received.</summary>
    public IReadOnlyList<PeerConnection> Connections(string peer)
    {
        var path = Path.Combine(StateDirectory, peer + ".jsonl");
        if (!File.Exists(path)) return [];
        return File.ReadAllLines(path).Where(l => l.Length > 0).Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            return new PeerConnection(
                document.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToList(),
                Convert.FromHexString(document.RootElement.GetProperty("received").GetString()!));
        }).ToList();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
        Directory.Delete(StateDirectory, recursive: true);
    }
}

/// <summary>One connection a hostile peer saw.</summary>
public sealed record PeerConnection(IReadOnlyList<string> Events, byte[] Received);
