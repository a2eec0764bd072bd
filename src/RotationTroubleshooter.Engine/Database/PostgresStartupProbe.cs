using System.Buffers.Binary;
using System.Net.Security;
using System.Text;

namespace RotationTroubleshooter.Database;

/// <summary>
/// Reads the server's first answer to a PostgreSQL startup message: the authentication it asks for, or the error it
/// refuses with. Hand-written because Npgsql neither exposes nor logs the authentication request type; the probe sends
/// the user and database names only, never a password, and closes the connection at once.
/// </summary>
internal static class PostgresStartupProbe
{
    private const int SslRequestCode = 80877103;
    private const int ProtocolVersion3 = 196608;
    private const int MaxMessageLength = 16 * 1024;

    internal sealed record Answer(bool? TlsAccepted, string? AuthenticationMethod, string? SqlState, string? ErrorMessage, string? Failure)
    {
        /// <summary>With a policy given: why the server's certificate would not carry a password (null when it verified).</summary>
        internal SslPolicyErrors? CertificateProblem { get; init; }

        /// <summary>The server refused a plain connection by its pg_hba.conf: no line allows this user without TLS, or a reject line forbids it.</summary>
        internal bool RefusedForNoEncryption => PostgresHbaRefusal.RefusesPlain(SqlState, ErrorMessage);
    }

    /// <param name="policy">When given, the server's certificate is judged by it (the answer says whether it verified).</param>
    internal static async Task<Answer> ProbeAsync(string host, int port, string userName, string database, bool useTls,
        TimeSpan timeout, CancellationToken cancellationToken, LoginTransportPolicy? policy = null)
    {
        var (socket, tcp) = await NetworkProbe.OpenAsync(host, port, timeout, cancellationToken).ConfigureAwait(false);
        if (socket is null)
        {
            return new Answer(null, null, null, null, tcp.Detail);
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var token = timeoutSource.Token;
        Stream stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        try
        {
            bool? tlsAccepted = null;
            if (useTls)
            {
                var request = new byte[8];
                BinaryPrimitives.WriteInt32BigEndian(request, 8);
                BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), SslRequestCode);
                await stream.WriteAsync(request, token).ConfigureAwait(false);
                var reply = new byte[1];
                await stream.ReadExactlyAsync(reply, token).ConfigureAwait(false);
                tlsAccepted = reply[0] == (byte)'S';
                if (tlsAccepted != true)
                {
                    return new Answer(false, null, null, null, "the server does not offer TLS");
                }

                // Only the authentication request is read and no password is sent: any certificate may finish the
                // handshake; the policy, when given, records whether it would have carried a password.
                SslPolicyErrors? certificateProblem = null;
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, errors) =>
                {
                    if (policy?.Verify(host, certificate, errors) is { } verdict && verdict != SslPolicyErrors.None) certificateProblem = verdict;
                    return true;
                });
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, token).ConfigureAwait(false);
                var answer = await ReadAnswerAsync(stream, userName, database, true, token).ConfigureAwait(false);
                return answer with { CertificateProblem = certificateProblem };
            }

            return await ReadAnswerAsync(stream, userName, database, tlsAccepted, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Answer(null, null, null, null, "no answer to the startup message within the timeout");
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or EndOfStreamException)
        {
            return new Answer(null, null, null, null, $"the connection ended early ({ex.GetType().Name})");
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends the startup message and reads the server's first answer: an authentication request or an error.</summary>
    private static async Task<Answer> ReadAnswerAsync(Stream stream, string userName, string database, bool? tlsAccepted, CancellationToken token)
    {
        await stream.WriteAsync(BuildStartupMessage(userName, database), token).ConfigureAwait(false);
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, token).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length < 4 || length > MaxMessageLength)
        {
            return new Answer(tlsAccepted, null, null, null, "the server's answer is not a PostgreSQL message");
        }

        var body = new byte[length - 4];
        await stream.ReadExactlyAsync(body, token).ConfigureAwait(false);
        return header[0] switch
        {
            (byte)'R' when body.Length >= 4 => new Answer(tlsAccepted, DescribeAuthenticationRequest(body), null, null, null),
            (byte)'E' => ParseError(tlsAccepted, body),
            _ => new Answer(tlsAccepted, null, null, null, $"unexpected first message '{(char)header[0]}'"),
        };
    }

    private static byte[] BuildStartupMessage(string userName, string database)
    {
        var payload = new MemoryStream();
        void WriteCString(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            payload.Write(bytes);
            payload.WriteByte(0);
        }

        WriteCString("user");
        WriteCString(userName);
        WriteCString("database");
        WriteCString(database);
        payload.WriteByte(0);
        var message = new byte[8 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), ProtocolVersion3);
        payload.ToArray().CopyTo(message, 8);
        return message;
    }

    private static string DescribeAuthenticationRequest(byte[] body)
    {
        var code = BinaryPrimitives.ReadInt32BigEndian(body);
        switch (code)
        {
            case 0: return "trust";
            case 3: return "password";
            case 5: return "md5";
            case 7: return "gss";
            case 9: return "sspi";
            case 10:
                var mechanisms = Encoding.UTF8.GetString(body, 4, body.Length - 4).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                return mechanisms.Contains("SCRAM-SHA-256") ? "scram-sha-256" : "sasl (" + string.Join(", ", mechanisms) + ")";
            default: return $"unknown (authentication request code {code})";
        }
    }

    private static Answer ParseError(bool? tlsAccepted, byte[] body)
    {
        string? sqlState = null, message = null;
        var position = 0;
        while (position < body.Length && body[position] != 0)
        {
            var field = (char)body[position++];
            var end = Array.IndexOf(body, (byte)0, position);
            if (end < 0)
            {
                break;
            }

            var value = Encoding.UTF8.GetString(body, position, end - position);
            position = end + 1;
            if (field == 'C')
            {
                sqlState = value;
            }
            else if (field == 'M')
            {
                message = value;
            }
        }

        return new Answer(tlsAccepted, null, sqlState, message, null);
    }
}
