using System.Collections;
using System.Reflection;

namespace RotationTroubleshooter.Text;

/// <summary>
/// The last step before anything the engine made reaches PowerShell (the cmdlets pass every object, message and error
/// through it): the run's known secret values are masked and control characters made visible (tabs and line feeds
/// stay), in every string an output object holds, whatever field it is in. Text from outside is cleaned where it
/// enters too; this catches what no entry point foresaw (a password that is also the user name, a value the redactor's
/// patterns miss).
/// </summary>
public sealed class OutputGuard(SecretMask? secrets)
{
    private static readonly Assembly Engine = typeof(OutputGuard).Assembly;
    private static readonly ConcurrentFieldCache Fields = new();

    public string Text(string text) => UntrustedText.Lines(secrets?.Apply(text) ?? text);

    /// <summary>
    /// An output object with its strings guarded. Engine objects are rewritten in place (their fields, through
    /// reflection, so that a property added later is covered without anyone remembering to list it); a string is
    /// returned guarded; anything else is returned as it is.
    /// </summary>
    public object? Object(object? value)
    {
        if (value is string text) return Text(text);
        if (value is not null && value.GetType().Assembly == Engine) Rewrite(value, new HashSet<object>(ReferenceEqualityComparer.Instance));
        return value;
    }

    /// <summary>The exception itself when every message in its chain is already clean, else one that carries only the guarded message.</summary>
    public Exception Error(Exception error)
    {
        var clean = true;
        for (var e = error; e is not null && clean; e = e.InnerException) clean = Text(e.Message) == e.Message;
        if (clean) return error;
        // The inner exceptions held the text that needed guarding; the guarded top message says what they said.
        return error is TroubleshooterException t
            ? new TroubleshooterException(t.ErrorId, t.Category, Text(t.Message))
            : new TroubleshooterException(ErrorIds.UnexpectedError, FailureCategory.Other, Text(error.Message));
    }

    private void Rewrite(object target, HashSet<object> seen)
    {
        if (!seen.Add(target)) return;
        foreach (var field in Fields.Of(target.GetType()))
        {
            var value = field.GetValue(target);
            switch (value)
            {
                case null:
                    break;
                case string text:
                    var guarded = Text(text);
                    if (!ReferenceEquals(guarded, text)) field.SetValue(target, guarded);
                    break;
                case List<string> mutable:
                    for (var i = 0; i < mutable.Count; i++) mutable[i] = Text(mutable[i]);
                    break;
                case IEnumerable<string> texts when field.FieldType.IsAssignableFrom(typeof(string[])):
                    var list = texts.ToArray();
                    var rewritten = list.Select(Text).ToArray();
                    if (!list.SequenceEqual(rewritten, ReferenceEqualityComparer.Instance)) field.SetValue(target, rewritten);
                    break;
                case IEnumerable<KeyValuePair<string, string>> pairs when field.FieldType.IsAssignableFrom(typeof(Dictionary<string, string>)):
                    field.SetValue(target, pairs.ToDictionary(p => Text(p.Key), p => Text(p.Value), StringComparer.Ordinal));
                    break;
                case IEnumerable items when value is not string:
                    foreach (var item in items)
                        if (item is not null && item.GetType().Assembly == Engine) Rewrite(item, seen);
                    break;
                default:
                    if (value.GetType().Assembly == Engine && !value.GetType().IsEnum) Rewrite(value, seen);
                    break;
            }
        }
    }

    /// <summary>Instance fields of an engine type and its engine base types, looked up once per type.</summary>
    private sealed class ConcurrentFieldCache
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, FieldInfo[]> _fields = new();

        internal FieldInfo[] Of(Type type) => _fields.GetOrAdd(type, t =>
        {
            var fields = new List<FieldInfo>();
            for (var current = t; current is not null && current.Assembly == Engine; current = current.BaseType)
                fields.AddRange(current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                    .Where(f => !f.FieldType.IsValueType));
            return fields.ToArray();
        });
    }
}
