using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>
/// "Runtime.ImportModuleError: Unable to import module": the bundle does not fit the function's runtime (native modules
/// built for another Python, CPU, glibc or operating system), a driver or its client library is not there, or the
/// package named "pg" stands in for PyGreSQL. The bundle fit (docs/reference/bundle-fit.md) decides each; the loader's
/// and Python's own words in the log narrow them when the bundle could not be read.
/// </summary>
internal sealed class FunctionImportCauses : SymptomCauses
{
    public override IReadOnlyList<FindingDefinition> Symptoms => [RotationSymptoms.FunctionImportError];

    public override IReadOnlyList<FindingDefinition> Causes => All;

    private static readonly FindingDefinition[] All =
    [
        BundleFitFindings.NativeModuleBuiltForOtherPython, BundleFitFindings.NativeModuleBuiltForOtherArchitecture, BundleFitFindings.NativeModuleNeedsNewerGlibc,
        BundleFitFindings.NativeModuleNotForLinux, BundleFitFindings.WrongPackageForPyGreSql, BundleFitFindings.DriverNotInBundle,
        BundleFitFindings.NativeLibraryNotInBundle, BundleFitFindings.OracleClientLibrariesMissing,
    ];

    public override IReadOnlyList<Input> Inputs => [FunctionInputs.BundleFit];

    public override async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var fit = await evidence.ReadAsync(FunctionInputs.BundleFit, cancellation).ConfigureAwait(false);
        var words = evidence.Attempt.DriverMessages;
        return [.. All.Select(cause => Assess(evidence, cause, fit, words))];
    }

    private static CauseAssessment Assess(CauseEvidence evidence, FindingDefinition cause, Reading<BundleFit?> fit, IReadOnlyList<DriverMessageMatch> words)
    {
        if (evidence.ConfirmedByFinding(cause) is { Verdict: CauseVerdict.Confirmed } confirmed) return confirmed;
        if (fit.Value?.Problem(cause) is { } problem)
            return new CauseAssessment(cause, CauseVerdict.Confirmed, problem.Evidence);
        // The words alone decide where they name one cause of this family ("invalid ELF header").
        var said = words.Where(w => w.Message.Causes.Contains(cause)).ToList();
        if (fit.Value is { } read)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The bundle ({read.Source}) shows no such misfit for {read.Function.Runtime ?? "its runtime"} on {read.Function.ArchitectureOrDefault}."]);
        var settle = evidence.Rerun("-Check FunctionBundleFit");
        if (said.FirstOrDefault(w => w.Message.Causes.Count(All.Contains) == 1) is { } decisive)
            return new CauseAssessment(cause, CauseVerdict.Confirmed, [$"{decisive.Message.Writer} says so: {decisive.Text}"]);
        var missing = fit.State == ReadingState.Read
            ? "The function's bundle was not inspected (a container image, or a runtime that is not Python)."
            : CauseEvidence.Missing(fit, "The function's bundle");
        return new CauseAssessment(cause, CauseVerdict.Undetermined, [.. said.Select(w => $"{w.Message.Writer} says: {w.Text}"), missing], settle);
    }
}
