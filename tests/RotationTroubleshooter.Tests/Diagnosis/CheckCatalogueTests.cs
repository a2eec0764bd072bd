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
        Assert.Equal(["LastRotationAttempt", "SecretJsonKeyMissing"], running.Order());
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
    public void Every_permission_a_check_needs_is_in_the_documented_policy()
    {
        using var policy = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "docs/iam-policy.json")));
        var allowed = policy.RootElement.GetProperty("Statement").EnumerateArray()
            .SelectMany(s => s.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!)).ToHashSet();
        Assert.All(CheckCatalogue.Checks.SelectMany(c => c.Permissions.Select(p => (c.Id, p))), pair => Assert.Contains(pair.p, allowed));
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
