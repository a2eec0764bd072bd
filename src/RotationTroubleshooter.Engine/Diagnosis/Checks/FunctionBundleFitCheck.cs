using System.Globalization;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>
/// Python functions: the bundle's native modules fit the function's Runtime and Architectures, and its drivers are there
/// with what they need (docs/reference/bundle-fit.md).
/// </summary>
internal sealed class FunctionBundleFitCheck : RotationCheck
{
    public override string Description =>
        "when the logs show an import error, a driver's own words, or a MySQL or SQL Server login failure: the Python bundle's native modules are built for the function's Python, CPU and glibc, and its drivers are there with what they need";

    public override CheckArea Area => CheckArea.Bundle;
    public override IReadOnlyList<FindingDefinition> Findings => BundleFitFindings.All;
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.LatestAttempt, FunctionInputs.BundleFit];

    /// <summary>
    /// Whose driver a login failure may lie in (the template), since when the runtime runs (INIT_START, LastModified), and
    /// how Lambda updates it.
    /// </summary>
    public override IReadOnlyList<Input> OptionalInputs { get; } =
        [FunctionInputs.Function, FunctionInputs.Template, FunctionInputs.RuntimeVersions, FunctionInputs.RuntimeManagement];

    /// <summary>The templates whose driver's fit a refused login may lie in: PyMySQL's cryptography, pymssql's FreeTDS (PostgreSQL's libpq has the Libpq check).</summary>
    private static readonly string[] DriverLoginEngines = ["mysql", "mariadb", "sqlserver"];

    /// <summary>What keeps the handler from importing at all: moot once the logs show it ran on this runtime.</summary>
    private static readonly FindingDefinition[] ImportProblems =
    [
        BundleFitFindings.NativeModuleBuiltForOtherPython, BundleFitFindings.NativeModuleBuiltForOtherArchitecture, BundleFitFindings.NativeModuleNeedsNewerGlibc,
        BundleFitFindings.NativeModuleNotForLinux, BundleFitFindings.DriverNotInBundle, BundleFitFindings.WrongPackageForPyGreSql,
        BundleFitFindings.NativeLibraryNotInBundle, BundleFitFindings.OracleClientLibrariesMissing,
    ];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        // The download is worth it where the bundle can explain the failure the logs show.
        var attempt = await context.GetAsync(FunctionInputs.LatestAttempt, cancellation).ConfigureAwait(false);
        if (attempt is not { Outcome: not RotationAttemptOutcome.Succeeded, Symptom: { } symptom } || !await ExplainsAsync(context, attempt, symptom, cancellation).ConfigureAwait(false))
            return;
        if (await context.GetAsync(FunctionInputs.BundleFit, cancellation).ConfigureAwait(false) is not { } fit) return;
        var imported = fit.Problems.Any(p => ImportProblems.Contains(p.Finding)) && await HandlerRanOnThisRuntimeAsync(context, attempt, fit, cancellation).ConfigureAwait(false);
        foreach (var problem in fit.Problems)
        {
            // The downloaded package can differ from what runs (a layer the module could not read, a path it does not
            // model); a step the handler logged on the current runtime outweighs the model.
            if (imported && ImportProblems.Contains(problem.Finding)) continue;
            var message = problem.Finding == BundleFitFindings.NativeModuleBuiltForOtherPython
                ? await OtherPythonAsync(context, fit, cancellation).ConfigureAwait(false)
                : null;
            context.Add(problem.Finding.Raise([.. problem.Evidence, .. message?.Evidence ?? []], message?.Text));
        }
    }

    private static async Task<bool> ExplainsAsync(CheckContext context, RotationAttempt attempt, string symptom, CancellationToken cancellation)
    {
        if (symptom == RotationSymptoms.FunctionImportError.Id || attempt.DriverMessages.Any(w => w.Message.Causes.Any(BundleFitFindings.All.Contains)))
            return true;
        return RotationSymptoms.LoginFailures.Any(s => s.Id == symptom)
               && await context.TryGetAsync(FunctionInputs.Template, cancellation).ConfigureAwait(false) is { } template
               && template.EngineValues.Any(DriverLoginEngines.Contains);
    }

    /// <summary>The newest attempt logged a step past the import, on the runtime the function has now (INIT_START, else after LastModified).</summary>
    private static async Task<bool> HandlerRanOnThisRuntimeAsync(CheckContext context, RotationAttempt attempt, BundleFit fit, CancellationToken cancellation)
    {
        if (attempt.Symptom == RotationSymptoms.FunctionImportError.Id || attempt.Steps.Count == 0) return false;
        var starts = await context.TryGetAsync(FunctionInputs.RuntimeVersions, cancellation).ConfigureAwait(false) ?? [];
        if (RuntimeVersionRecords.For(attempt, starts) is { Runtime: { } ranOn }) return ranOn == fit.Function.Runtime;
        return await context.TryGetAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false) is { Configuration.LastModifiedUtc: { } modified }
               && attempt.StartTime >= modified;
    }

    private sealed record Told(string Text, IReadOnlyList<string> Evidence);

    /// <summary>"Built for Python 3.9, the function runs python3.11 since its runtime was updated on ...".</summary>
    private static async Task<Told> OtherPythonAsync(CheckContext context, BundleFit fit, CancellationToken cancellation)
    {
        var runtime = fit.Runtime!;
        var builtFor = fit.NativeFiles.Where(n => n.Tag is { Kind: ExtensionKind.CPython } tag && tag.Minor != runtime.Minor)
            .Select(n => $"3.{n.Tag!.Minor}").Distinct().Order(StringComparer.Ordinal).ToList();
        var evidence = new List<string>();
        var since = "";
        var starts = await context.TryGetAsync(FunctionInputs.RuntimeVersions, cancellation).ConfigureAwait(false) ?? [];
        if (RuntimeVersionRecords.Changes(starts).LastOrDefault(c => c.RuntimeChanged && c.After.Runtime == runtime.Name) is { } change)
        {
            since = $" since its runtime was updated on {Utc(change.After.Time)} (the logs' first environment on {change.After.RuntimeVersion}; the one before ran {change.Before.RuntimeVersion})";
            evidence.Add($"INIT_START at {Utc(change.Before.Time)}: {change.Before.RuntimeVersion}; at {Utc(change.After.Time)}: {change.After.RuntimeVersion}.");
        }
        else if (await context.TryGetAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false) is { Configuration.LastModifiedUtc: { } modified })
            since = $"; its configuration last changed on {Utc(modified)} (LastModified)";
        if (starts.LastOrDefault() is { } latest) evidence.Add($"The newest environment in the logs started on {latest.RuntimeVersion} ({Utc(latest.Time)}).");
        var management = await context.TryGetAsync(FunctionInputs.RuntimeManagement, cancellation).ConfigureAwait(false);
        if (management?.UpdateRuntimeOn is { } mode)
            evidence.Add(mode == "Manual"
                ? $"Lambda keeps the function on the runtime version it is pinned to (UpdateRuntimeOn Manual, {management.RuntimeVersionArn})."
                : $"Lambda moves the function to new versions of {runtime.Name} by itself (UpdateRuntimeOn {mode}); only a change of Runtime moves it to another Python.");
        var built = builtFor.Count == 0 ? "another Python" : $"Python {string.Join(" and ", builtFor)}";
        return new Told($"The function's native modules are built for {built}, and the function runs {runtime.Name}{since}: Python does not see them, so importing the driver fails.", evidence);
    }

    private static string Utc(DateTime time) => time.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
