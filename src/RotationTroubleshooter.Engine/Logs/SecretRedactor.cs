using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Logs;

/// <summary>
/// Blanks the value of anything that looks like a password field (<c>"password": "x"</c>, <c>'password': 'x'</c>,
/// <c>\"password\": \"x\"</c>, <c>PGPASSWORD=x</c>) so no secret value leaves the engine in a message or evidence line.
/// </summary>
internal static partial class SecretRedactor
{
    public const string Mask = "***";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Redact(string text)
    {
        // Cheap pre-check: the regex only runs on the few messages that mention a password at all.
        if (!(text.Contains("pass", StringComparison.OrdinalIgnoreCase) || text.Contains("pwd", StringComparison.OrdinalIgnoreCase)))
            return text;
        return PasswordField().Replace(text, m => m.Groups["key"].Value + m.Groups["open"].Value + Mask + m.Groups["close"].Value);
    }

    // key: from password/passwd/pwd to the separator (starting the match at the keyword keeps the scan fast; a prefix
    // such as "db_" or "PG" stays as it was), optionally closed by a quote (plain, backslash-escaped or \u0022-escaped
    // inside a JSON string); value: quoted in the same ways, or bare up to a delimiter.
    [GeneratedRegex("""
        (?<key>(?:password|passwd|pwd)[A-Za-z0-9_-]*(?:\\u0022|\\u0027|\\?["'])?\s*[:=]\s*)
        (?:
            (?<open>\\u0022)(?:(?!\\u0022).)*(?<close>\\u0022)
          | (?<open>\\u0027)(?:(?!\\u0027).)*(?<close>\\u0027)
          | (?<open>\\")(?:(?!\\").)*(?<close>\\")
          | (?<open>")(?:[^"\\]|\\.)*(?<close>")
          | (?<open>')[^']*(?<close>')
          | (?<open>)(?!["'\\])[^\s,;&}\]"'\\]+(?<close>)
        )
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordField();
}
