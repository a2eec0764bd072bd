using System.Diagnostics;
using System.Text.Json;
using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Tests.Database;

[CollectionDefinition(Name)]
public sealed class DatabaseServersCollection : ICollectionFixture<DatabaseServersFixture>
{
    public const string Name = "Database servers";
}

/// <summary>
/// The real PostgreSQL and MariaDB servers of tests/servers/TestServers.psm1. Uses the ones named by the
/// RT_TEST_SERVERS environment variable (path of their servers.json, as the build script sets it); otherwise starts
/// them through pwsh for this test run and stops them afterwards.
/// </summary>
public sealed class DatabaseServersFixture : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private readonly string? _ownedStateDirectory;
    private readonly string _repositoryRoot;

    public DatabaseServersFixture()
    {
        _repositoryRoot = FindRepositoryRoot();
        var stateFile = Environment.GetEnvironmentVariable("RT_TEST_SERVERS");
        if (string.IsNullOrEmpty(stateFile))
        {
            _ownedStateDirectory = Path.Combine(Path.GetTempPath(), "rt-test-servers-" + Guid.NewGuid().ToString("N")[..8]);
            RunModuleCommand($"Start-TestDatabaseServers -StateDirectory '{_ownedStateDirectory}' | Out-Null");
            stateFile = Path.Combine(_ownedStateDirectory, "servers.json");
        }
        else if (Directory.Exists(stateFile))
        {
            stateFile = Path.Combine(stateFile, "servers.json");
        }

        State = JsonDocument.Parse(File.ReadAllText(stateFile)).RootElement.Clone();
        CaCertificatePath = State.GetProperty("caCertificatePath").GetString()!;
    }

    public JsonElement State { get; }
    public string CaCertificatePath { get; }

    public ServerInfo PostgresScram => new(State.GetProperty("postgresScram"));
    public ServerInfo PostgresMd5 => new(State.GetProperty("postgresMd5"));
    public ServerInfo MariaDb => new(State.GetProperty("mariadb"));

    public DatabaseProbeOptions Options(double timeoutSeconds = 5) =>
        new() { Timeout = TimeSpan.FromSeconds(timeoutSeconds), TrustedCaCertificatePath = CaCertificatePath };

    public void Dispose()
    {
        if (_ownedStateDirectory is not null)
        {
            RunModuleCommand($"Stop-TestDatabaseServers -StateDirectory '{_ownedStateDirectory}'");
            Directory.Delete(_ownedStateDirectory, recursive: true);
        }
    }

    private void RunModuleCommand(string command)
    {
        // pwsh is the repository's pinned dotnet tool; restoring is quick when it is already there.
        Run(["tool", "restore"], "dotnet tool restore");
        var module = Path.Combine(_repositoryRoot, "tests", "servers", "TestServers.psm1");
        Run(["pwsh", "-NoProfile", "-NonInteractive", "-Command", $"$ErrorActionPreference = 'Stop'; Import-Module '{module}'; {command}"], command);
    }

    private void Run(string[] dotnetArguments, string command)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in dotnetArguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(StartTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'{command}' did not finish within {StartTimeout.TotalMinutes} minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{command}' failed (exit code {process.ExitCode}): {error.Result}{output.Result}");
        }
    }

    internal static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RotationTroubleshooter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (RotationTroubleshooter.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>One server's entry in servers.json.</summary>
public sealed class ServerInfo(JsonElement element)
{
    public string Host => element.GetProperty("host").GetString()!;
    public int Port => element.GetProperty("port").GetInt32();
    public string Database => element.GetProperty("database").GetString()!;
    public string AppUser => element.GetProperty("appUser").GetString()!;
    public string AppPassword => element.GetProperty("appPassword").GetString()!;
    public string Get(string name) => element.GetProperty(name).GetString()!;
}
