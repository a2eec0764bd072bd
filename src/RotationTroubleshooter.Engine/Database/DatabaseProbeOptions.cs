namespace RotationTroubleshooter.Database;

/// <summary>How the probe connects (a value: equal options share one login per secret in a run).</summary>
public sealed record DatabaseProbeOptions
{
    /// <summary>Per connection attempt, as the templates' 5 s connect timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A PEM file of CA certificates to verify the server against instead of this machine's trust store (the function's
    /// bundle trusts <c>/etc/pki/tls/cert.pem</c>; pass the RDS CA bundle or a test CA here).
    /// </summary>
    public string? TrustedCaCertificatePath { get; init; }

    /// <summary>
    /// Also make the templates' fallback to a plain connection (or the plain login a secret with <c>ssl</c> false asks for),
    /// answering only a scram-sha-256 challenge there: never the password in clear text, an md5 hash or a MySQL/MariaDB
    /// method. Off: logins go only over TLS whose certificate verified (see <see cref="LoginTransportPolicy"/>).
    /// </summary>
    public bool AllowPlaintextLogin { get; init; }
}
