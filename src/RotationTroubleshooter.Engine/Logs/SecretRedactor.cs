using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Logs;

/// <summary>
/// Blanks what looks like a password in a log line, without knowing the password: the value of a password, pass, pw,
/// pwd or secret field (<c>"password": "x"</c>, <c>'pw': 'x'</c>, <c>pass=x</c>, <c>password: x with spaces</c>,
/// <c>PGPASSWORD=x</c>, <c>client_secret=x</c>), quoted plainly or escaped at any depth of JSON inside JSON
/// (<c>\"password\": \"x\"</c>, <c>\\\"pw\\\": \\\"x\\\"</c>, <c>\u0022password\u0022</c>), and the password of a
/// connection URI (<c>postgresql://app:x@host</c>). Host, port, user and database names stay. Values the run knows to
/// be secret are masked wherever they appear by <see cref="RotationTroubleshooter.Text.SecretMask"/>.
/// </summary>
internal static partial class SecretRedactor
{
    public const string Mask = "***";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Redact(string text)
    {
        // Cheap pre-check: the regexes only run on the few messages that could hold a password at all.
        if (!(text.Contains("pw", StringComparison.OrdinalIgnoreCase) || text.Contains("pass", StringComparison.OrdinalIgnoreCase)
              || text.Contains("secret", StringComparison.OrdinalIgnoreCase) || text.Contains("://", StringComparison.Ordinal)))
            return text;
        text = UriPassword().Replace(text, Mask);
        return PasswordField().Replace(text, m => m.Groups["key"].Value + m.Groups["open"].Value + Mask + m.Groups["close"].Value);
    }

    // scheme://user:password@host: the userinfo's password, up to the last '@' before the host.
    [GeneratedRegex(@"(?<=[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:)[^\s/]+(?=@[^\s@/]+)", RegexOptions.CultureInvariant)]
    private static partial Regex UriPassword();

    // key: starts at the keyword (a prefix such as "db_" or "PG" stays as it was; starting there keeps the scan fast):
    //   password/passwd/passphrase/pwd and anything after them; pass and pw only as whole words (not "bypass:");
    //   secret only as a quoted key or before '=' (not ARNs, "arn:...:secret:name", nor "secretsmanager:"); never a key
    //   ending in Id, Arn or Name (SecretId names a secret, it is not one). Then an optional closing quote, plain or
    //   escaped at any depth, and ':' or '='.
    // value: quoted as the key was (a quote with as many backslashes ends it), \u0022/\u0027-quoted, or bare: after '='
    //   up to a space or delimiter (key=value lists), after ':' up to the end of the line or a delimiter (prose).
    [GeneratedRegex("""
        (?<key>
            (?: (?:password|passwd|passphrase|pwd)[A-Za-z0-9_-]*
              | (?<![A-Za-z0-9])(?:pass|pw)(?![A-Za-z0-9])
              | (?<![:A-Za-z0-9])secret[A-Za-z0-9_-]*(?=\\*["']|\\u00(?:22|27)|\s*=)
            )
            (?<!id|arn|name)
            (?:\\u0022|\\u0027|\\*["'])?\s*[:=]\s*)
        (?:
            (?<open>\\u0022)(?:(?!\\u0022).)*(?<close>\\u0022)
          | (?<open>\\u0027)(?:(?!\\u0027).)*(?<close>\\u0027)
          | (?<open>\\+["'])(?:(?!(?<!\\)\k<open>).)*(?<close>\k<open>)
          | (?<open>")(?:[^"\\]|\\.)*(?<close>")
          | (?<open>')(?:[^'\\]|\\.)*(?<close>')
          | (?<open>)(?!["'\\])(?:(?<==\s*)[^\s,;&}\]"'\\]+|(?<=:\s*)[^\r\n,;&}\]"'\\]+?(?=\s*(?:$|[\r\n,;&}\]"'\\])))(?<close>)
        )
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex PasswordField();
}
