using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using RotationTroubleshooter.Commands;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Tests.Safety;

/// <summary>
/// Output safety by construction (README "Safety"): every type a cmdlet writes, and what it holds, is built only from
/// cleaned text, so a secret value the run read and a control character given to any of its fields come out masked and
/// visible, whichever way the object is then written or exported; and every stream a cmdlet writes (verbose, debug,
/// warning, errors, progress) does the same. Exports keep their words: no type names where the lists were.
/// </summary>
public sealed class OutputSafetyTests
{
    private const string Secret = "Sw0rdfish-Canary-7Q";
    private const string Control = "\u001b]0;owned\u0007\u001b[2J\u009b1m";
    private const string Hostile = $"seen {Secret} then {Control} end";
    /// <summary>What the module's own ids get here: ids are cleaned but not masked (OutputText.Id), and a test of masking needs a secret elsewhere.</summary>
    private const string HostileId = $"Id{Control}";
    private static readonly string[] IdNames = ["checkId", "id", "helpUri", "symptom", "cause"];
    private static readonly char[] Raw = ['\u001b', '\u0007', '\u009b'];
    private static readonly string[] TypeNames = ["System.String[]", "System.Object[]", "System.Collections", "RotationTroubleshooter."];

    private static readonly Assembly Engine = typeof(Finding).Assembly;

    /// <summary>Every type the cmdlets declare they write (their [OutputType]), from the cmdlet assembly itself.</summary>
    private static IEnumerable<string> DeclaredOutputTypes() =>
        typeof(SecretCmdlet).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<CmdletAttribute>() is not null)
            .SelectMany(t => t.GetCustomAttributes<OutputTypeAttribute>())
            .SelectMany(a => a.Type).Select(t => t.Type).OfType<Type>()
            .Where(t => t.Assembly == Engine).Select(t => t.Name).Distinct().Order();

    public static TheoryData<string> OutputTypes() => new(DeclaredOutputTypes());

    [Fact]
    public void The_output_types_are_found()
    {
        Assert.Superset(new HashSet<string> { "RotationDiagnosis", "RotationAttempt", "LogEvent", "LibpqReport", "NetworkPathReport",
            "RotationFunctionAge", "DatabaseLoginResult", "PostgresNonScramRole", "RepairAction" }, DeclaredOutputTypes().ToHashSet());
    }

    [Theory]
    [MemberData(nameof(OutputTypes))]
    public void Every_field_of_the_output_type_and_of_what_it_holds_is_masked_and_made_visible(string typeName)
    {
        var value = BuiltUnderARun(typeName);

        var strings = Strings(value, typeName).ToList();

        Assert.NotEmpty(strings);
        foreach (var (path, text) in strings)
        {
            Assert.True(text.IndexOfAny(Raw) < 0, $"{path} holds a raw control character: {text}");
            Assert.False(text.Contains(Secret), $"{path} holds the secret: {text}");
        }
        Assert.Contains(strings, s => s.Text.Contains(SecretMask.Mask) && s.Text.Contains("␛[2J"));
    }

    [Theory]
    [MemberData(nameof(OutputTypes))]
    public void Export_Csv_ConvertTo_Json_and_ConvertTo_Html_show_its_words_and_neither_the_secret_nor_a_raw_control(string typeName)
    {
        var value = BuiltUnderARun(typeName);
        var file = Path.GetTempFileName();
        try
        {
            // As admins export them: the object, and each list it holds expanded (e.g. $diagnosis.Findings | Export-Csv).
            var exports = Hosted("""
                param($Value, $File)
                $Value | Export-Csv -LiteralPath $File
                'csv: ' + (Get-Content -LiteralPath $File -Raw)
                'json: ' + ($Value | ConvertTo-Json -Depth 6 -WarningAction SilentlyContinue)
                'html: ' + (($Value | ConvertTo-Html) -join "`n")
                foreach ($property in $Value.PSObject.Properties) {
                    if ($property.Value -is [Collections.IEnumerable] -and $property.Value -isnot [string] -and @($property.Value).Count -gt 0 -and
                        @($property.Value)[0] -isnot [string]) {
                        "csv of $($property.Name): " + (($property.Value | ConvertTo-Csv) -join "`n")
                        "html of $($property.Name): " + (($property.Value | ConvertTo-Html) -join "`n")
                    }
                }
                """, ("Value", value), ("File", file));

            Assert.Contains(exports, e => e.StartsWith("csv: ") && e.Contains(SecretMask.Mask) && e.Contains("␛[2J"));
            foreach (var export in exports)
            {
                Assert.True(export.IndexOfAny(Raw) < 0, $"a raw control character in {export}");
                Assert.DoesNotContain(Secret, export);
                if (!export.StartsWith("json: "))
                    foreach (var name in TypeNames) Assert.False(export.Contains(name), $"'{name}' where words belong: {export}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Every_stream_a_cmdlet_writes_is_masked_and_made_visible()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.Commands.Add(new SessionStateCmdletEntry("Write-HostileOutput", typeof(WriteHostileOutputCommand), null));
        using var ps = PowerShell.Create(iss);
        ps.AddCommand("Write-HostileOutput").AddParameter("Region", "us-east-1").AddParameter("AccessKey", "AKIDEXAMPLE")
            .AddParameter("SecretKey", "wJalrXUtnFEMI/K7MDENG").AddParameter("Verbose").AddParameter("Debug")
            .AddParameter("ErrorAction", ActionPreference.Continue).AddParameter("WarningAction", ActionPreference.Continue);
        ps.AddParameter("ProgressAction", ActionPreference.Continue);

        var results = ps.Invoke();

        var texts = new List<(string Stream, string Text)>();
        texts.AddRange(results.Select(r => ("output", r.BaseObject is Finding f ? $"{f.Message} {f.Evidence[0]}" : r.ToString())));
        texts.AddRange(ps.Streams.Verbose.Select(r => ("verbose", r.Message)));
        texts.AddRange(ps.Streams.Debug.Select(r => ("debug", r.Message)));
        texts.AddRange(ps.Streams.Warning.Select(r => ("warning", r.Message)));
        texts.AddRange(ps.Streams.Progress.Select(r => ("progress", $"{r.Activity} {r.StatusDescription} {r.CurrentOperation}")));
        foreach (var error in ps.Streams.Error)
        {
            texts.Add(("error", error.ToString()));
            texts.Add(("error target", $"{error.TargetObject}"));
            for (var e = error.Exception; e is not null; e = e.InnerException) texts.Add(("error exception", e.Message));
        }

        Assert.Equal(["SecretNotFound", "UnexpectedError"], ps.Streams.Error.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        foreach (var (stream, text) in texts)
        {
            Assert.True(text.IndexOfAny(Raw) < 0, $"{stream}: a raw control character in {text}");
            Assert.False(text.Contains(Secret), $"{stream}: the secret in {text}");
        }
        var hostile = texts.Where(t => t.Text.Contains("seen ")).ToList();
        Assert.Equal(["output", "output", "verbose", "debug", "warning", "progress", "error", "error target", "error exception", "error",
            "error target", "error exception"], hostile.Select(t => t.Stream));
        foreach (var (stream, text) in hostile)
            Assert.True(text.Contains(SecretMask.Mask) && text.Contains("␛[2J"), $"{stream} lost its words: {text}");
    }

    /// <summary>A cmdlet of this module's kind that writes the hostile text to every stream once the run has read the secret.</summary>
    [Cmdlet("Write", "HostileOutput")]
    public sealed class WriteHostileOutputCommand : AwsCmdlet
    {
        protected override void OnProcessRecord()
        {
            // What SecretValueClient does with every value it reads: the run's mask learns it.
            SessionFor(null).Get<SecretMask>().Register(Secret);
            Output.Object(Hostile);
            Output.Object(new Finding("X", FindingSeverity.Error, Hostile, [Hostile]));
            Output.Verbose(Hostile);
            Output.Debug(Hostile);
            Output.Warning(Hostile);
            Output.Progress(new ProgressRecord(1, Hostile, Hostile) { CurrentOperation = Hostile });
            Output.Failure(new TroubleshooterException(ErrorIds.SecretNotFound, FailureCategory.NotFound, Hostile), Hostile);
            Output.Failure(new IOException(Hostile), Hostile);
        }
    }

    /// <summary>One instance of the type with every field given the hostile text, built while a run that read the secret is on.</summary>
    private static object BuiltUnderARun(string typeName)
    {
        var mask = new SecretMask();
        mask.Register(Secret);
        using var run = mask.Use();
        return Build(Engine.GetTypes().Single(t => t.Name == typeName && t.IsPublic), depth: 0);
    }

    /// <summary>
    /// Builds the type by reflection, so that a field added later is covered without anyone listing it: the widest
    /// constructor (public or not), then every property with a setter (init ones too).
    /// </summary>
    private static object Build(Type type, int depth)
    {
        var constructor = type.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(c => c.GetParameters().All(p => p.ParameterType != type))
            .OrderByDescending(c => c.GetParameters().Length).First();
        var value = constructor.Invoke(constructor.GetParameters().Select(p => Make(p.ParameterType, p.Name!, depth)).ToArray());
        foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            var setter = property.GetSetMethod(nonPublic: true);
            if (setter is null || property.GetIndexParameters().Length > 0) continue;
            if (Make(property.PropertyType, property.Name, depth) is { } made) setter.Invoke(value, [made]);
        }
        return value;
    }

    private static object? Make(Type type, string name, int depth)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string)) return IdNames.Contains(name, StringComparer.OrdinalIgnoreCase) ? HostileId : Hostile;
        if (underlying == typeof(bool)) return true;
        if (underlying == typeof(int)) return 3;
        if (underlying == typeof(long)) return 3L;
        if (underlying == typeof(double)) return 3.5;
        if (underlying == typeof(DateTime)) return new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
        if (underlying == typeof(TimeSpan)) return TimeSpan.FromSeconds(3);
        if (underlying.IsEnum) return Enum.GetValues(underlying).GetValue(0);
        if (ElementOf(underlying) is { } element)
        {
            var items = Array.CreateInstance(element, 2);
            for (var i = 0; i < 2; i++) items.SetValue(Make(element, name, depth + 1), i);
            return items;
        }
        if (underlying.Assembly == Engine && underlying.IsClass && depth < 4) return Build(underlying, depth + 1);
        return null;
    }

    private static Type? ElementOf(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericArguments() is [var element] && typeof(IEnumerable<>).MakeGenericType(element).IsAssignableFrom(type) ? element
        : type.IsInterface && type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? type.GetGenericArguments()[0]
        : null;

    /// <summary>Every string the object shows through its public properties, at any depth, with where it is.</summary>
    private static IEnumerable<(string Path, string Text)> Strings(object? value, string path, int depth = 0)
    {
        switch (value)
        {
            case null:
                yield break;
            case string text:
                yield return (path, text);
                yield break;
            case IEnumerable items:
                var i = 0;
                foreach (var item in items)
                    foreach (var found in Strings(item, $"{path}[{i++}]", depth + 1)) yield return found;
                yield break;
        }
        if (value.GetType().Assembly != Engine || depth > 6) yield break;
        foreach (var property in value.GetType().GetProperties(BindingFlags.Instance | BindingFlags.Public).Where(p => p.GetIndexParameters().Length == 0))
            foreach (var found in Strings(property.GetValue(value), $"{path}.{property.Name}", depth + 1)) yield return found;
    }

    /// <summary>Runs a script in PowerShell hosted here (Microsoft.PowerShell.SDK); its output as text.</summary>
    private static List<string> Hosted(string script, params (string Name, object Value)[] parameters)
    {
        using var ps = PowerShell.Create();
        ps.AddScript(script);
        foreach (var (name, value) in parameters) ps.AddParameter(name, value);
        var output = ps.Invoke().Select(o => o?.ToString() ?? "").ToList();
        Assert.False(ps.HadErrors, string.Join("\n", ps.Streams.Error));
        return output;
    }
}
