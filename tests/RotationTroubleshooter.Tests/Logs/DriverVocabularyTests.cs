using System.Text.Json;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Tests.Logs;

/// <summary>
/// The drivers' and databases' own words: every entry against its own example, and every real report in Reports/ (the
/// lines its reporter quoted, the cause its thread settled on) against the vocabulary.
/// </summary>
public class DriverVocabularyTests
{
    private static readonly string ReportsFolder = Path.Combine(AppContext.BaseDirectory, "Reports");

    internal sealed record Report(string Url, string? Engine, string[] Quoted, string[] Messages, string? Cause, string Settled)
    {
        public DatabaseEngine? DatabaseEngine => Engine is null ? null : DatabaseEngines.Of(Engine)!.Value.Engine;
    }

    internal static Report Load(string name) =>
        JsonSerializer.Deserialize<Report>(File.ReadAllText(Path.Combine(ReportsFolder, name + ".json")), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    public static TheoryData<string> Reports() => new(Directory.GetFiles(ReportsFolder, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!);

    [Theory, MemberData(nameof(Reports))]
    public void Each_real_report_is_read_as_its_thread_settled_it(string name)
    {
        var report = Load(name);

        var matches = DriverVocabulary.Find(report.Quoted, report.DatabaseEngine);

        Assert.True(report.Messages.SequenceEqual(matches.Select(m => m.Message.Id)),
            $"{report.Url}: expected {string.Join(", ", report.Messages)}, found {string.Join(", ", matches.Select(m => m.Message.Id))}");
        if (report.Cause is not null)
            Assert.True(DriverVocabulary.CausesOf(matches).Any(c => c.Id == report.Cause),
                $"{report.Url}: the thread settled on {report.Cause}; the words point to {string.Join(", ", DriverVocabulary.CausesOf(matches).Select(c => c.Id))}");
        // The evidence is the quoted line the words are on, cleaned and shortened.
        Assert.All(matches, m => Assert.Contains(report.Quoted, q => UntrustedText.Line(q.Trim()).StartsWith(m.Text.TrimEnd('…'), StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_engine_the_templates_serve_has_real_reports()
    {
        var reports = Directory.GetFiles(ReportsFolder, "*.json").Select(f => Load(Path.GetFileNameWithoutExtension(f))).ToList();
        var engines = reports.Select(r => r.DatabaseEngine).OfType<DatabaseEngine>().ToHashSet();

        // MariaDB shares MySQL's template driver (PyMySQL) and error numbers: one family here.
        Assert.DoesNotContain(Enum.GetValues<DatabaseEngine>(), e => e != DatabaseEngine.MariaDb && !engines.Contains(e));
        Assert.All(reports, r => Assert.StartsWith("https://github.com/", r.Url));
        Assert.All(reports, r => Assert.NotEmpty(r.Quoted));
    }

    [Fact]
    public void Every_entry_recognises_its_own_example_and_names_where_the_words_come_from()
    {
        Assert.Equal(DriverVocabulary.All.Count, DriverVocabulary.All.Select(m => m.Id).Distinct().Count());
        foreach (var message in DriverVocabulary.All)
        {
            var engine = message.Engines.Count == 0 ? (DatabaseEngine?)null : message.Engines[0];
            var found = DriverVocabulary.Find([message.Example], engine);
            Assert.True(found.Any(m => m.Message == message), $"{message.Id}: its example \"{message.Example}\" is not matched (found {string.Join(", ", found.Select(f => f.Message.Id))})");
            Assert.NotEmpty(message.Causes);
            Assert.False(string.IsNullOrWhiteSpace(message.Source), message.Id);
            Assert.False(string.IsNullOrWhiteSpace(message.Meaning), message.Id);
        }
    }

    [Fact]
    public void An_engine_is_read_only_with_its_own_words()
    {
        const string Line = "(1045, \"Access denied for user 'app'@'10.0.1.5' (using password: YES)\")";

        Assert.Single(DriverVocabulary.Find([Line], DatabaseEngine.MySql));
        Assert.Empty(DriverVocabulary.Find([Line], DatabaseEngine.PostgreSql));
        Assert.NotEmpty(DriverVocabulary.Find(["No module named 'pymysql'"], DatabaseEngine.PostgreSql));
    }

    [Fact]
    public void The_line_shown_is_the_one_the_words_are_on_and_carries_no_control_characters()
    {
        var found = DriverVocabulary.Find(["[ERROR] OperationalError: (1045, \"Access denied for user 'a\u001b[31m'@'%' (using password: YES)\")\nTraceback (most recent call last):"], DatabaseEngine.MySql);

        var match = Assert.Single(found);
        Assert.StartsWith("[ERROR] OperationalError: (1045", match.Text);
        Assert.DoesNotContain('\u001b', match.Text);
        Assert.DoesNotContain("Traceback", match.Text);
    }

    /// <summary>docs/reference/driver-messages.md lists exactly the vocabulary, and every report; with RT_WRITE_DOCS=1 (./build.ps1 Docs) it writes the table.</summary>
    [Fact]
    public void The_reference_lists_exactly_the_vocabulary_and_every_report()
    {
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        var path = Path.Combine(root, "docs", "reference", "driver-messages.md");
        var text = File.ReadAllText(path);
        var (begin, end) = ("<!-- vocabulary:begin (generated from DriverVocabulary: ./build.ps1 Docs) -->\n", "<!-- vocabulary:end -->");
        var from = text.IndexOf(begin, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"{path} has no {begin.Trim()} ... {end} section.");
        var expected = DriverVocabulary.Markdown();
        if (text[(from + begin.Length)..to] != expected && Environment.GetEnvironmentVariable("RT_WRITE_DOCS") == "1")
        {
            text = text[..(from + begin.Length)] + expected + text[to..];
            File.WriteAllText(path, text);
            to = text.IndexOf(end, StringComparison.Ordinal);
        }

        Assert.True(text[(from + begin.Length)..to] == expected, $"{path} does not list the vocabulary; run ./build.ps1 Docs.");
        Assert.All(Directory.GetFiles(ReportsFolder, "*.json"), f => Assert.Contains(Load(Path.GetFileNameWithoutExtension(f)).Url, text));
    }
}
