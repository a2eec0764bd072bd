namespace RotationTroubleshooter.Database;

internal enum AttemptOutcome
{
    Succeeded,
    PasswordRejected,
    UserMissing,
    UnknownDatabase,
    TlsCertificateRejected,
    TlsRequired,
    TlsNotOffered,
    /// <summary>Not made, or stopped before any credential was sent: it would have crossed an unverified connection.</summary>
    NotSafe,
    Other,
    Timeout,
    Unreachable,
}

/// <summary>One driver connection attempt: over TLS or plain, and how it ended (detail already scrubbed).</summary>
internal sealed record LoginAttempt(bool OverTls, AttemptOutcome Outcome, string Detail, string? AuthenticationMethod = null)
{
    /// <summary>Whether the template makes this attempt, or it stands in over verified TLS for a plain one that may not run.</summary>
    internal AttemptRole Role { get; init; } = AttemptRole.Template;

    /// <summary>Whether the server answered about the credentials themselves: the same credentials meet the same answer from the function.</summary>
    internal bool JudgedCredentials => Outcome is AttemptOutcome.Succeeded or AttemptOutcome.PasswordRejected or AttemptOutcome.UserMissing
        or AttemptOutcome.UnknownDatabase;

    /// <summary>Whether the attempt got far enough to show the server speaks TLS on this connection.</summary>
    internal bool TlsEstablished => OverTls && JudgedCredentials;

    /// <summary>Which attempt explains the result best: the one that got furthest.</summary>
    internal int Rank => Outcome switch
    {
        AttemptOutcome.Succeeded => 100,
        AttemptOutcome.PasswordRejected or AttemptOutcome.UserMissing or AttemptOutcome.UnknownDatabase => 60,
        AttemptOutcome.TlsCertificateRejected => 40,
        AttemptOutcome.NotSafe => 35,
        AttemptOutcome.TlsRequired => 30,
        AttemptOutcome.TlsNotOffered => 25,
        AttemptOutcome.Other => 20,
        AttemptOutcome.Timeout => 10,
        _ => 0,
    };

    internal DatabaseLoginFailureKind? FailureKind => Outcome switch
    {
        AttemptOutcome.Succeeded => null,
        AttemptOutcome.PasswordRejected => DatabaseLoginFailureKind.PasswordRejected,
        AttemptOutcome.UserMissing => DatabaseLoginFailureKind.UserMissing,
        AttemptOutcome.UnknownDatabase => DatabaseLoginFailureKind.UnknownDatabase,
        AttemptOutcome.TlsCertificateRejected or AttemptOutcome.NotSafe => DatabaseLoginFailureKind.NoVerifiedTls,
        AttemptOutcome.TlsNotOffered => DatabaseLoginFailureKind.TlsHandshakeFailed,
        AttemptOutcome.TlsRequired => DatabaseLoginFailureKind.TlsRequired,
        AttemptOutcome.Timeout => DatabaseLoginFailureKind.Timeout,
        AttemptOutcome.Unreachable => DatabaseLoginFailureKind.Unreachable,
        _ => DatabaseLoginFailureKind.Other,
    };

    /// <summary>What both drivers' failures mean alike: TLS, timeouts, sockets, unsupported methods; null when driver-specific.</summary>
    /// <param name="certificateProblem">Why the policy refused the server's certificate, when it did.</param>
    internal static LoginAttempt? FromDriverFailure(Exception exception, bool overTls, string detail, string? certificateProblem = null)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case System.Security.Authentication.AuthenticationException:
                    return new LoginAttempt(overTls, AttemptOutcome.TlsCertificateRejected,
                        $"stopped at the TLS handshake, before any credential was sent: the server's certificate did not verify ({certificateProblem ?? detail})");
                case TimeoutException or OperationCanceledException:
                    return new LoginAttempt(overTls, AttemptOutcome.Timeout, $"no answer within the timeout ({detail})");
                case System.Net.Sockets.SocketException:
                    return new LoginAttempt(overTls, AttemptOutcome.Unreachable, detail);
            }
        }
        if (exception is NotSupportedException)
            return new LoginAttempt(overTls, AttemptOutcome.Other,
                $"the server asked for something this tool's database driver does not support, typically an authentication method ({detail})");
        if (overTls && exception.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase))
            return new LoginAttempt(overTls, AttemptOutcome.TlsNotOffered, $"the server does not offer TLS ({detail})");
        return null;
    }

    internal string Describe() =>
        $"{(OverTls ? "TLS with certificate verification" : "plain (no TLS)")}{(Role == AttemptRole.StandIn ? ", in place of the function's plain login" : "")}: {Detail.TrimEnd('.')}";
}

/// <summary>What an engine-specific login found, before it becomes a <see cref="DatabaseLoginResult"/>.</summary>
/// <param name="PlainAuthenticationMethod">What the server asks for on a plain connection, learnt without a password (what the function's plain login hands over).</param>
internal sealed record EngineLoginOutcome(IReadOnlyList<LoginAttempt> Attempts, LoginAttempt Reported, bool? ServerRequiresTls,
    string? AuthenticationMethod, IReadOnlyList<string> Notes, string? PlainAuthenticationMethod = null);
