using System.Diagnostics;
using System.Text.Json;

namespace RotationTroubleshooter.Tests;

/// <summary>The processes fixtures start: servers (moto, the recording proxy) and the seed scripts that fill them through boto3.</summary>
internal static class TestProcesses
{
    /// <summary>Starts a server whose output is drained, so that its pipes never fill.</summary>
    public static Process StartServer(string file, IEnumerable<string> arguments)
    {
        var process = Start(file, arguments);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a seed script with python3 to its end and returns what it printed, as JSON; a failure says what it wrote to stderr.</summary>
    public static async Task<JsonDocument> RunSeedAsync(string script, IEnumerable<string> arguments, string what)
    {
        using var seed = Start("python3", [script, .. arguments]);
        var stdout = seed.StandardOutput.ReadToEndAsync();
        var stderr = seed.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await seed.WaitForExitAsync(timeout.Token);
        if (seed.ExitCode != 0) throw new InvalidOperationException($"Seeding {what} failed: {await stderr}");
        return JsonDocument.Parse(await stdout);
    }

    public static void Stop(Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        process?.Dispose();
    }

    private static Process Start(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}");
    }
}
