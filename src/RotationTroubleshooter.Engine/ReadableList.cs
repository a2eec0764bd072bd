using System.Collections.ObjectModel;

namespace RotationTroubleshooter;

/// <summary>
/// A read-only list whose text is its items in words. Export-Csv and ConvertTo-Html write a property's ToString(), which
/// for a plain list is its type name; this one gives e.g. "Error DatabaseUnreachable; Warning FunctionRuntimeDeprecated".
/// ConvertTo-Json still writes it as an array, and PowerShell indexes it like any list (docs/reference/powershell-output.md).
/// </summary>
public sealed class ReadableList<T> : ReadOnlyCollection<T>
{
    private readonly string _separator;
    private readonly Func<T, string?> _describe;

    internal ReadableList(IEnumerable<T>? items, string separator, Func<T, string?>? describe = null) : base((items ?? []).ToList())
    {
        _separator = separator;
        _describe = describe ?? (item => item?.ToString());
    }

    public override string ToString() => string.Join(_separator, this.Select(_describe));
}

/// <summary>The readable lists the output types carry, one shape per kind of content.</summary>
internal static class Readable
{
    /// <summary>Evidence and other sentences (or hops): one per line.</summary>
    public static ReadableList<T> Lines<T>(IEnumerable<T>? lines) => new(lines, "\n");

    /// <summary>Resource ids: comma-separated.</summary>
    public static ReadableList<string> Ids(IEnumerable<string>? ids) => new(ids, ", ");

    /// <summary>Findings by severity and id, the way a report lists them.</summary>
    public static ReadableList<Finding> Findings(IEnumerable<Finding>? findings) => new(findings, "; ", f => $"{f.Severity} {f.CheckId}");

    /// <summary>Items whose own text is short (steps, hops), separated by semicolons.</summary>
    public static ReadableList<T> Items<T>(IEnumerable<T>? items) => new(items, "; ");
}
