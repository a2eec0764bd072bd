using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace RotationTroubleshooter.Tests.Aws;

/// <summary>A moto_server on a free loopback port for one test fixture, seeded by a boto3 script; stopped on dispose.</summary>
internal sealed class MotoServer : IDisposable
{
    private readonly Process _process;

    private MotoServer(Process process, string url) => (_process, Url) = (process, url);

    public string Url { get; }

    public static async Task<MotoServer> StartAsync()
    {
        var port = FreePort();
        var server = new MotoServer(Start("moto_server", $"-H 127.0.0.1 -p {port}"), $"http://127.0.0.1:{port}");
        await WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>Runs a seed script under tests/scenarios with this server's URL and returns the JSON it prints.</summary>
    public async Task<JsonDocument> SeedAsync(params string[] scriptPath)
    {
        var script = Path.Combine([RepositoryRoot(), "tests", "scenarios", .. scriptPath]);
        using var seed = Start("python3", $"\"{script}\" {Url}", captureOutput: true);
        var stdout = seed.StandardOutput.ReadToEndAsync();
        var stderr = seed.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await seed.WaitForExitAsync(timeout.Token);
        if (seed.ExitCode != 0)
            throw new InvalidOperationException($"Seeding {string.Join('/', scriptPath)} failed: {await stderr}");
        return JsonDocument.Parse(await stdout);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }

    private static Process Start(string file, string arguments, bool captureOutput = false)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}");
        if (!captureOutput)
        {
            // Drain moto's request log so its pipe never fills.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
        return process;
    }

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
