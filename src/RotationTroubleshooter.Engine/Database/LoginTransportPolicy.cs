using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RotationTroubleshooter.Database;

/// <summary>How a planned login attempt relates to what the rotation function does.</summary>
internal enum AttemptRole
{
    /// <summary>An attempt the rotation template makes.</summary>
    Template,
    /// <summary>A login over verified TLS in place of the template's plain one, which may not run: it still tests the credentials.</summary>
    StandIn,
}

/// <summary>One login attempt of a plan; <see cref="Refusal"/> says why it may not run, null when it may.</summary>
internal sealed record PlannedAttempt(bool OverTls, AttemptRole Role, string? Refusal)
{
    /// <summary>A plain attempt runs only with -AllowPlaintextLogin, and then answers scram-sha-256 only.</summary>
    internal bool ScramOnly => !OverTls;
}

/// <summary>
/// The one rule every database login obeys (both drivers, the password audit; the probes report against it too): a
/// password, or anything derived from it, is sent only over TLS whose certificate verified, against this machine's trust
/// store or the CA bundle given. With <see cref="DatabaseProbeOptions.AllowPlaintextLogin"/> the templates' fallback to
/// a plain connection runs as well, but answers only a scram-sha-256 challenge there, never a request for the password
/// in clear text, an md5 hash or a MySQL/MariaDB method (none of which keeps the password from the server).
/// What each method hands the server, and what each driver lets a caller refuse: docs/reference/safety.md.
/// </summary>
internal sealed class LoginTransportPolicy
{
    private readonly X509Certificate2Collection? _trust;

    /// <exception cref="System.Security.Cryptography.CryptographicException">The CA file cannot be read as PEM.</exception>
    internal LoginTransportPolicy(DatabaseProbeOptions options)
    {
        _trust = LoadTrust(options.TrustedCaCertificatePath);
        AllowPlaintextLogin = options.AllowPlaintextLogin;
        TrustSource = options.TrustedCaCertificatePath is { } path ? $"the CA bundle {path}" : "this machine's trust store";
    }

    internal bool AllowPlaintextLogin { get; }

    /// <summary>What certificates are verified against, for messages.</summary>
    internal string TrustSource { get; }

    /// <summary>
    /// The template's attempts for the secret's <c>ssl</c> key (TLS with verification, then plain unless ssl is true), each
    /// marked with whether it may run; when the only template attempt is a plain one that may not, a verified TLS login
    /// stands in for it.
    /// </summary>
    internal IReadOnlyList<PlannedAttempt> Plan(DatabaseEngine engine, DatabaseTlsPreference preference)
    {
        var plain = new PlannedAttempt(false, AttemptRole.Template, PlainRefusal(engine));
        return preference switch
        {
            DatabaseTlsPreference.TlsOnly => [new PlannedAttempt(true, AttemptRole.Template, null)],
            DatabaseTlsPreference.TlsThenPlain => [new PlannedAttempt(true, AttemptRole.Template, null), plain],
            _ => [plain, new PlannedAttempt(true, AttemptRole.StandIn, null)],
        };
    }

    /// <summary>
    /// Makes the planned attempts in order through <paramref name="attempt"/>: a refused one is recorded, not made; a stand-in
    /// runs only when no attempt before it had the server judge the credentials; the first success ends the plan.
    /// </summary>
    internal async Task<List<LoginAttempt>> RunAsync(DatabaseConnectionInfo info, Func<PlannedAttempt, Task<LoginAttempt>> attempt)
    {
        var attempts = new List<LoginAttempt>();
        foreach (var planned in Plan(info.Engine, info.Tls))
        {
            if (planned.Role == AttemptRole.StandIn && attempts.Any(a => a.JudgedCredentials || a.Outcome == AttemptOutcome.TlsRequired))
            {
                break;
            }

            var made = planned.Refusal is { } refusal
                ? new LoginAttempt(planned.OverTls, AttemptOutcome.NotSafe, refusal)
                : await attempt(planned).ConfigureAwait(false) with { Role = planned.Role };
            attempts.Add(made);
            if (made.Outcome == AttemptOutcome.Succeeded)
            {
                break;
            }
        }

        return attempts;
    }

    private string? PlainRefusal(DatabaseEngine engine) => engine switch
    {
        DatabaseEngine.MySql or DatabaseEngine.MariaDb =>
            "not tried: without verified TLS every MySQL and MariaDB login method hands the server the password or a hash of it, "
            + "and this test sends neither over a connection whose certificate did not verify",
        _ when !AllowPlaintextLogin =>
            "not tried: it would send the password, or a hash of it, without TLS; this test logs in only over TLS whose certificate "
            + "verified (-AllowPlaintextLogin allows a scram-sha-256 login without TLS)",
        _ => null,
    };

    /// <summary>A certificate check for one connection to <paramref name="host"/>; it remembers why it refused.</summary>
    internal CertificateCheck CheckFor(string host) => new(this, host);

    /// <summary>
    /// Whether the server's certificate verifies: it chains to a trusted root (this machine's store, or only the CA bundle
    /// when one is given) and names <paramref name="host"/>.
    /// </summary>
    internal SslPolicyErrors Verify(string host, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (_trust is null || certificate is null)
        {
            return certificate is null ? SslPolicyErrors.RemoteCertificateNotAvailable : errors;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        var result = chain.Build(leaf) ? SslPolicyErrors.None : SslPolicyErrors.RemoteCertificateChainErrors;
        if (!leaf.MatchesHostname(host))
        {
            result |= SslPolicyErrors.RemoteCertificateNameMismatch;
        }

        return result;
    }

    /// <summary>What answering an authentication request of <paramref name="method"/> hands whoever asks.</summary>
    internal static string Reveals(string? method) => method switch
    {
        "password" or "mysql_clear_password" => "the password in clear text",
        "md5" => "an md5 hash of the password salted by the server, from which whoever asked can guess the password offline",
        "scram-sha-256" => "a scram-sha-256 proof, not the password, though whoever asked can try to guess it offline",
        "trust" => "nothing, the server asking for no password",
        "mysql_native_password" => "a mysql_native_password answer, a hash of the password mixed with the server's nonce, from which whoever asked can guess the password offline",
        "caching_sha2_password" or "sha256_password" => $"a {method} answer derived from the password, or the password itself when the server asks for full authentication",
        null => "the password or an answer derived from it",
        _ => $"the password or an answer derived from it ({method})",
    };

    internal static X509Certificate2Collection? LoadTrust(string? trustedCaPath)
    {
        if (trustedCaPath is null)
        {
            return null;
        }

        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(trustedCaPath);
        return collection;
    }

    /// <summary>The drivers' certificate validation callback for one connection, remembering why it refused.</summary>
    internal sealed class CertificateCheck(LoginTransportPolicy policy, string host)
    {
        /// <summary>Why the certificate did not verify; null until a certificate was refused.</summary>
        internal SslPolicyErrors? Refused { get; private set; }

        internal bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            var result = policy.Verify(host, certificate, errors);
            if (result != SslPolicyErrors.None)
            {
                Refused = result;
            }

            return result == SslPolicyErrors.None;
        }

        /// <summary>Why the certificate was refused, in words, or null.</summary>
        internal string? Explain() => Refused is not { } errors ? null : string.Join(" and ", new[]
            {
                errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) ? $"it does not chain to a root in {policy.TrustSource}" : null,
                errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) ? $"it does not name {host}" : null,
                errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) ? "the server sent none" : null,
            }.Where(part => part is not null));
    }
}
