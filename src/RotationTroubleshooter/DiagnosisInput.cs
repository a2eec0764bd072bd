using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Reads a diagnosis from the pipeline by its properties: Test-SecretRotation's own object, or the same one read back
/// from an export (ConvertFrom-Json, Import-Clixml), where every value is a plain string, number, date or PSObject and
/// enumerations are words. What it reads becomes the engine's <see cref="RotationDiagnosis"/>; the report encodes its text.
/// </summary>
internal static class DiagnosisInput
{
    /// <summary>A diagnosis, and whether its findings or causes had been cut to their ids (an export of too small a -Depth, or CSV).</summary>
    /// <exception cref="TroubleshooterException">UnrecognizedInput (not a diagnosis) or InvalidDiagnosis (a value that cannot be read).</exception>
    public static (RotationDiagnosis Diagnosis, bool Shortened) Read(object input)
    {
        var item = PSObject.AsPSObject(input);
        switch (item.BaseObject)
        {
            case RotationDiagnosis typed:
                return (typed, false);
            case string:
                throw new TroubleshooterException(ErrorIds.UnrecognizedInput, FailureCategory.InvalidArgument,
                    "The input is text, not a diagnosis. Read an export back as objects first: Get-Content diagnoses.jsonl | ConvertFrom-Json | Export-RotationReport -Path report.html.");
        }
        var name = Text(item, "Name");
        var arn = Text(item, "SecretArn");
        if ((name ?? arn) is null || item.Properties["Status"] is null)
            throw new TroubleshooterException(ErrorIds.UnrecognizedInput, FailureCategory.InvalidArgument,
                $"The input ({item.TypeNames.FirstOrDefault() ?? item.BaseObject.GetType().FullName}) is not a diagnosis: Export-RotationReport takes Test-SecretRotation's " +
                "results, or the same objects read back from JSON, each with SecretArn or Name, and Status.");
        var label = name ?? arn!;
        var shortened = false;
        var findings = Items<Finding, FindingSeverity>(item, "Findings", label, ref shortened, ReadFinding, (severity, id, message) => new Finding(id, severity, message));
        var causes = Items<CauseAssessment, CauseVerdict>(item, "Causes", label, ref shortened, ReadCause, (verdict, id, _) => Cause(id, verdict, "", [], null, "", ""));
        var diagnosis = new RotationDiagnosis
        {
            SecretArn = arn ?? "",
            Name = label,
            AccountId = Text(item, "AccountId"),
            Region = Text(item, "Region"),
            Status = Enum<RotationStatus>(item, "Status", label) ?? RotationStatus.Unknown,
            RotationEnabled = Bool(item, "RotationEnabled"),
            RotationFunctionArn = Text(item, "RotationFunctionArn"),
            OwningService = Text(item, "OwningService"),
            LastRotatedDate = Date(item, "LastRotatedDate", label),
            NextRotationDate = Date(item, "NextRotationDate", label),
            Findings = findings,
            Symptom = Text(item, "Symptom"),
            Cause = Text(item, "Cause"),
            Causes = causes,
        };
        return (diagnosis, shortened);

        Finding ReadFinding(PSObject f) =>
            new(Text(f, "CheckId") ?? throw Invalid(label, "a finding without a CheckId"),
                Enum<FindingSeverity>(f, "Severity", label) ?? FindingSeverity.Info,
                Text(f, "Message") ?? "", Lines(f, "Evidence"), Text(f, "Remediation"), Text(f, "HelpUri"))
            {
                SecretArn = Text(f, "SecretArn"), SecretName = Text(f, "SecretName"),
            };

        CauseAssessment ReadCause(PSObject c) =>
            Cause(Text(c, "Id") ?? throw Invalid(label, "a cause without an Id"), Enum<CauseVerdict>(c, "Verdict", label) ?? CauseVerdict.Undetermined,
                Text(c, "Summary") ?? "", Lines(c, "Evidence"), Text(c, "Command"), Text(c, "Remediation") ?? "", Text(c, "HelpUri") ?? "");
    }

    // A cause read back carries what its definition said (summary, remediation, link); the severity is not part of it.
    private static CauseAssessment Cause(string id, CauseVerdict verdict, string summary, IReadOnlyList<string> evidence, string? command, string remediation, string helpUri) =>
        new(new FindingDefinition(id, FindingSeverity.Error, summary, remediation, helpUri), verdict, evidence, command);

    /// <summary>
    /// A list property: its objects, or, where an export cut it to text, each entry's word, id and message: one text
    /// "Error X; Warning Y" (Export-Csv) or texts "Error X: message" (ConvertTo-Json -Depth 1).
    /// </summary>
    private static List<T> Items<T, TWord>(PSObject item, string property, string label, ref bool shortened, Func<PSObject, T> read, Func<TWord, string, string, T> fromText)
        where TWord : struct, Enum
    {
        var value = Unwrap(item.Properties[property]?.Value);
        IEnumerable<object?> entries = value switch
        {
            null => [],
            string text => text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            IEnumerable items => items.Cast<object?>(),
            _ => [value],
        };
        var list = new List<T>();
        foreach (var entry in entries)
        {
            if (Unwrap(entry) is string text)
            {
                shortened = true;
                list.Add(FromText(text, fromText) ?? throw Invalid(label, $"{property} '{text}', which is neither an object nor a word and an id"));
            }
            else if (entry is not null)
            {
                list.Add(read(PSObject.AsPSObject(entry)));
            }
        }
        return list;
    }

    /// <summary>
    /// An entry cut to its text: "Error X: message" or "Confirmed X" (the item's own text), or "@{...; Severity=Error;
    /// CheckId=X; ...}" (the text of an object that was itself read back from JSON, exported again too shallow).
    /// </summary>
    private static T? FromText<T, TWord>(string text, Func<TWord, string, string, T> fromText) where TWord : struct, Enum
    {
        if (text.StartsWith("@{", StringComparison.Ordinal))
        {
            var word = Regex.Match(text, @"(?:^@\{|; )(?:Severity|Verdict)=(\w+)");
            var id = Regex.Match(text, @"(?:^@\{|; )(?:CheckId|Id)=(\w+)");
            return word.Success && id.Success && ParseEnum<TWord>(word.Groups[1].Value) is { } w ? fromText(w, id.Groups[1].Value, "") : default;
        }
        var (head, message) = text.Split(':', 2, StringSplitOptions.TrimEntries) is [var h, var m] ? (h, m) : (text.Trim(), "");
        return head.Split(' ', 2, StringSplitOptions.TrimEntries) is [var first, var rest] && ParseEnum<TWord>(first) is { } parsed
            ? fromText(parsed, rest, message)
            : default;
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped && wrapped.BaseObject is not PSCustomObject ? wrapped.BaseObject : value;

    private static string? Text(PSObject item, string property) =>
        Unwrap(item.Properties[property]?.Value) switch
        {
            null => null,
            string text => text.Length == 0 ? null : text,
            var other => other.ToString() is { Length: > 0 } text ? text : null,
        };

    /// <summary>Evidence: a list of lines, or one text whose lines they are (a shallow export writes the list's text).</summary>
    private static IReadOnlyList<string> Lines(PSObject item, string property) =>
        Unwrap(item.Properties[property]?.Value) switch
        {
            null => [],
            string text => text.Split('\n'),
            IEnumerable lines => [.. lines.Cast<object?>().Where(l => l is not null).Select(l => l!.ToString() ?? "")],
            var other => [other.ToString() ?? ""],
        };

    private static bool Bool(PSObject item, string property) =>
        Unwrap(item.Properties[property]?.Value) switch
        {
            bool b => b,
            string text => bool.TryParse(text, out var b) && b,
            _ => false,
        };

    /// <summary>An enumeration given as itself, its name (as ConvertTo-Json writes it) or its number; a value it does not have is an error.</summary>
    private static TEnum? Enum<TEnum>(PSObject item, string property, string label) where TEnum : struct, Enum
    {
        var raw = item.Properties[property]?.Value;
        if (raw is null) return null;
        if (Unwrap(raw) is TEnum typed) return typed;
        // A deserialized enumeration (Import-Clixml) is a number whose text is the name; PSObject's text is the name.
        var text = raw.ToString() ?? "";
        return ParseEnum<TEnum>(text) ?? throw Invalid(label, $"{property} '{text}' (expected one of {string.Join(", ", System.Enum.GetNames<TEnum>())})");
    }

    private static TEnum? ParseEnum<TEnum>(string text) where TEnum : struct, Enum =>
        System.Enum.TryParse<TEnum>(text.Trim(), ignoreCase: true, out var value) && System.Enum.IsDefined(value) ? value : null;

    /// <summary>A date as UTC: a DateTime (one without a zone is UTC, as the module shows them), a DateTimeOffset or ISO 8601 text.</summary>
    private static DateTime? Date(PSObject item, string property, string label) =>
        Unwrap(item.Properties[property]?.Value) switch
        {
            null => null,
            DateTime { Kind: DateTimeKind.Local } local => local.ToUniversalTime(),
            DateTime other => DateTime.SpecifyKind(other, DateTimeKind.Utc),
            DateTimeOffset offset => offset.UtcDateTime,
            string { Length: 0 } => null,
            string text when DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
            var other => throw Invalid(label, $"{property} '{other}', which is not a date"),
        };

    private static TroubleshooterException Invalid(string label, string what) =>
        new(ErrorIds.InvalidDiagnosis, FailureCategory.InvalidData, $"The diagnosis of '{label}' has {what}; it is left out of the report. Export diagnoses with ConvertTo-Json -Depth 5.");
}
