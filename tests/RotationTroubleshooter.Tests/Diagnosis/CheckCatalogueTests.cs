using System.Reflection;
using System.Text.Json;
using RotationTroubleshooter.Diagnosis;

namespace RotationTroubleshooter.Tests.Diagnosis;

public class CheckCatalogueTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    [Fact]
    public void Every_finding_id_is_declared_once_and_raised_by_a_check()
    {
        // Every FindingDefinition the engine declares anywhere (checks, network, logs, database) is in the catalogue.
        var declared = typeof(RotationCheck).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(FindingDefinition))
            .Select(f => (FindingDefinition)f.GetValue(null)!)
            .ToList();
        Assert.NotEmpty(declared);
        Assert.Equal(declared.Count, declared.Select(d => d.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(declared.Select(d => d.Id).Order(), CheckCatalogue.Findings.Select(f => f.Id).Order());
    }

    [Fact]
    public void Check_ids_are_unique_and_each_check_says_what_it_looks_at()
    {
        var checks = CheckCatalogue.Checks;
        Assert.True(checks.Count >= 15);
        Assert.Equal(checks.Count, checks.Select(c => c.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(checks, c => Assert.False(string.IsNullOrWhiteSpace(c.Description)));
        Assert.All(checks, c => Assert.NotEmpty(c.Findings));
    }

    [Fact]
    public void A_checks_id_is_its_class_names_stem_and_never_a_finding_id()
    {
        Assert.All(CheckCatalogue.Checks, c => Assert.Equal(c.GetType().Name, c.Id + "Check"));
        var findingIds = CheckCatalogue.Findings.Select(f => f.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.All(CheckCatalogue.Checks, c => Assert.DoesNotContain(c.Id, findingIds));
    }

    [Fact]
    public void Every_input_is_declared_whole_and_reachable_from_a_check()
    {
        Assert.Equal(CheckCatalogue.Inputs.Count, CheckCatalogue.Inputs.Select(i => i.Id).Distinct().Count());
        foreach (var input in CheckCatalogue.Inputs)
        {
            // A null dependency is an input initialized before the one it names (static fields across classes).
            Assert.All(input.DependsOn, d => Assert.NotNull(d));
            Assert.False(string.IsNullOrWhiteSpace(input.Description), input.Id);
            Assert.All(input.Permissions, p => Assert.Matches("^[a-z0-9-]+:[A-Za-z]+$", p));
        }
        // What the causes weigh, some check reads: a cause never makes a read of its own.
        var read = CheckCatalogue.Closure(CheckCatalogue.Checks.SelectMany(CheckCatalogue.Consumed)).ToHashSet();
        Assert.All(CheckCatalogue.SymptomCauses.SelectMany(f => f.Inputs), i => Assert.Contains(i, read));
    }

    [Fact]
    public void Causes_judge_inputs_and_findings_never_checks_or_message_text()
    {
        var folder = Path.Combine(Root, "src/RotationTroubleshooter.Engine/Diagnosis/Causes");
        foreach (var file in Directory.GetFiles(folder, "*.cs"))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("Diagnosis.Checks", text);
            Assert.DoesNotMatch(@"\b\w+Check\b(?!s)", text.Replace("CheckSkipped", "").Replace("-Check", "").Replace("CheckId", ""));
            Assert.DoesNotMatch(@"\.Message\.Contains", text);
        }
    }

    [Fact]
    public void A_check_that_reads_an_input_it_does_not_declare_is_a_programming_error()
    {
        var f = new DiagnosisFixture();
        var context = new DiagnosisContext(f.Secret, f.Options, f.Source);
        var error = Assert.ThrowsAny<InvalidOperationException>(() =>
            RotationDiagnostician.DiagnoseAsync(context, [new UndeclaredReadCheck()], CancellationToken.None).GetAwaiter().GetResult());
        Assert.Contains("does not declare", error.Message);
    }

    private sealed class UndeclaredReadCheck : RotationCheck
    {
        public override string Description => "reads the function without saying so";
        public override CheckArea Area => CheckArea.Function;
        public override IReadOnlyList<FindingDefinition> Findings => [CheckCatalogue.CheckSkipped];

        public override Task RunAsync(CheckContext context, CancellationToken cancellation) =>
            context.GetAsync(RotationTroubleshooter.Evidence.FunctionInputs.Function, cancellation);
    }

    /// <summary>
    /// Every finding of a check that raises several: -ExcludeCheck with it hides that finding only (the check still runs
    /// and its other findings stay), and -Check with it keeps that finding only; the check's own id names them all.
    /// </summary>
    [Fact]
    public void Every_id_that_shares_a_check_means_exactly_what_it_names()
    {
        var shared = CheckCatalogue.Checks.Where(c => c.Findings.Count > 1).ToList();
        Assert.NotEmpty(shared);
        foreach (var check in shared)
            foreach (var finding in check.Findings)
            {
                var others = check.Findings.Where(o => o != finding).ToList();
                var excluded = CheckCatalogue.Select(null, [finding.Id]);
                Assert.True(excluded.Runs(check), $"-ExcludeCheck {finding.Id} stops {check.Id}");
                Assert.False(excluded.Keeps(finding.Raise([]), check), $"-ExcludeCheck {finding.Id} keeps it");
                Assert.All(others, o => Assert.True(excluded.Keeps(o.Raise([]), check), $"-ExcludeCheck {finding.Id} hides {o.Id}"));

                var included = CheckCatalogue.Select([finding.Id], null);
                Assert.True(included.Runs(check), $"-Check {finding.Id} does not run {check.Id}");
                Assert.True(included.Keeps(finding.Raise([]), check));
                Assert.All(others, o => Assert.False(included.Keeps(o.Raise([]), check), $"-Check {finding.Id} keeps {o.Id}"));
            }
        foreach (var check in shared)
        {
            Assert.False(CheckCatalogue.Select(null, [check.Id]).Runs(check), $"-ExcludeCheck {check.Id} runs it");
            var chosen = CheckCatalogue.Select([check.Id], null);
            Assert.All(check.Findings, f => Assert.True(chosen.Keeps(f.Raise([]), check)));
        }
    }

    [Theory]
    [InlineData("EngineMismatch"), InlineData("RotationDisabled"), InlineData("NoRouteToSecretsManager"), InlineData("DatabaseUnreachable")]
    [InlineData("pendingversionstuck"), InlineData("LastRotationAttempt"), InlineData("currentcredentialsrejected"), InlineData("CheckSkipped")]
    public void Any_id_a_finding_carries_selects_a_check(string id)
    {
        var selection = CheckCatalogue.Select([id], null);
        Assert.Contains(CheckCatalogue.Checks, selection.Runs);
    }

    [Fact]
    public void An_unknown_id_names_the_known_ones()
    {
        var error = Assert.ThrowsAny<TroubleshooterException>(() => CheckCatalogue.Select(["NoSuchCheck"], null));
        Assert.Equal(ErrorIds.UnknownCheckId, error.ErrorId);
        Assert.Contains("NoSuchCheck", error.Message);
        Assert.Contains("InvokePermissionMissing", error.Message);
    }

    [Fact]
    public void A_finding_id_shared_by_two_checks_runs_both_and_keeps_only_that_finding()
    {
        var selection = CheckCatalogue.Select(["engineMISMATCH"], null);
        var running = CheckCatalogue.Checks.Where(selection.Runs).Select(c => c.Id).ToList();
        Assert.Equal(["LastRotationAttempt", "SecretJson"], running.Order());
        var logs = CheckCatalogue.Checks.Single(c => c.Id == "LastRotationAttempt");
        Assert.True(selection.Keeps(new Finding("EngineMismatch", FindingSeverity.Error, "m"), logs));
        Assert.False(selection.Keeps(new Finding("DatabaseUnreachable", FindingSeverity.Error, "m"), logs));
    }

    [Fact]
    public void Excluding_a_finding_id_drops_that_finding_and_keeps_the_check()
    {
        var selection = CheckCatalogue.Select(null, ["DatabaseUnreachable"]);
        var logs = CheckCatalogue.Checks.Single(c => c.Id == "LastRotationAttempt");
        Assert.True(selection.Runs(logs));
        Assert.False(selection.Keeps(new Finding("DatabaseUnreachable", FindingSeverity.Error, "m"), logs));
        Assert.True(selection.Keeps(new Finding("TimeoutReachingSecretsManager", FindingSeverity.Error, "m"), logs));
    }

    [Fact]
    public void The_documented_policy_grants_exactly_what_the_inputs_declare()
    {
        using var policy = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "docs/iam-policy.json")));
        var allowed = policy.RootElement.GetProperty("Statement").EnumerateArray()
            .SelectMany(s => s.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(CheckCatalogue.Permissions, allowed);
        Assert.All(CheckCatalogue.Checks, c => Assert.Subset(allowed.ToHashSet(), CheckCatalogue.PermissionsOf(c).ToHashSet()));
    }

    /// <summary>
    /// The README's check table, Test-SecretRotation's help and docs/reference/findings.md list exactly the catalogue.
    /// With RT_WRITE_DOCS=1 (./build.ps1 Docs) the test writes them instead.
    /// </summary>
    [Theory]
    [InlineData("README.md", "checks"), InlineData("docs/Test-SecretRotation.md", "checks"), InlineData("docs/reference/findings.md", "findings")]
    public void The_docs_list_exactly_the_catalogue(string file, string table)
    {
        var path = Path.Combine(Root, file);
        var text = File.ReadAllText(path);
        var (begin, end) = ($"<!-- {table}:begin (generated from the check catalogue: ./build.ps1 Docs) -->\n", $"<!-- {table}:end -->");
        var from = text.IndexOf(begin, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"{file} has no {begin.Trim()} ... {end} section.");
        var expected = table == "checks" ? CheckCatalogue.ChecksMarkdown() : CheckCatalogue.FindingsMarkdown();
        var actual = text[(from + begin.Length)..to];
        if (actual != expected && Environment.GetEnvironmentVariable("RT_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..(from + begin.Length)] + expected + text[to..]);
            return;
        }
        Assert.True(actual == expected, $"{file} does not list the catalogue; run ./build.ps1 Docs. Expected:\n{expected}");
    }
}
