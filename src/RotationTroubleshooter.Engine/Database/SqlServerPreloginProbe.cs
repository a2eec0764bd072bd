using System.Buffers.Binary;

namespace RotationTroubleshooter.Database;

/// <summary>
/// Asks a SQL Server, with a TDS PRELOGIN message, whether it supports or requires encryption. Hand-written because SQL
/// Server negotiates TLS inside TDS (a bare TLS handshake cannot work) and no client library answers this without a
/// login; nothing but the PRELOGIN message is sent.
/// </summary>
internal static class SqlServerPreloginProbe
{
    private const byte PreloginPacket = 0x12;
    private const byte TabularResult = 0x04;
    private const byte EncryptionOption = 0x01;
    private const byte Terminator = 0xFF;
    private const int MaxPacketLength = 4096;

    internal enum Encryption { Off = 0, On = 1, NotSupported = 2, Required = 3 }

    internal sealed record Answer(Encryption? Encryption, string Detail);

    internal static async Task<Answer> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (socket, tcp) = await NetworkProbe.OpenAsync(host, port, timeout, cancellationToken).ConfigureAwait(false);
        if (socket is null)
        {
            return new Answer(null, tcp.Detail);
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        await using var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        try
        {
            await stream.WriteAsync(BuildPrelogin(), timeoutSource.Token).ConfigureAwait(false);
            var header = new byte[8];
            await stream.ReadExactlyAsync(header, timeoutSource.Token).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
            if (header[0] != TabularResult || length <= 8 || length > MaxPacketLength)
            {
                return new Answer(null, "the server's answer is not a TDS pre-login response (is this SQL Server?)");
            }

            var payload = new byte[length - 8];
            await stream.ReadExactlyAsync(payload, timeoutSource.Token).ConfigureAwait(false);
            var encryption = ReadEncryption(payload);
            return encryption is null
                ? new Answer(null, "the pre-login response names no encryption setting")
                : new Answer(encryption, encryption switch
                {
                    Encryption.Required => "SQL Server requires encryption (TLS) for every connection",
                    Encryption.NotSupported => "SQL Server does not support encryption (no TLS)",
                    _ => "SQL Server supports encryption but does not require it",
                });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Answer(null, "no answer to the TDS pre-login message within the timeout");
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or EndOfStreamException)
        {
            return new Answer(null, $"the connection ended during the TDS pre-login ({ex.GetType().Name})");
        }
    }

    private static byte[] BuildPrelogin()
    {
        // Options: VERSION (6 bytes of data) and ENCRYPTION (1 byte, ENCRYPT_OFF so the server reveals whether it requires it).
        const int tokensLength = 5 + 5 + 1;
        var payload = new byte[tokensLength + 6 + 1];
        payload[0] = 0x00;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(1), tokensLength);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(3), 6);
        payload[5] = EncryptionOption;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(6), tokensLength + 6);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(8), 1);
        payload[10] = Terminator;
        payload[tokensLength + 6] = (byte)Encryption.Off;

        var packet = new byte[8 + payload.Length];
        packet[0] = PreloginPacket;
        packet[1] = 0x01; // end of message
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[6] = 0x01; // packet id
        payload.CopyTo(packet, 8);
        return packet;
    }

    internal static Encryption? ReadEncryption(ReadOnlySpan<byte> payload)
    {
        for (var position = 0; position + 5 <= payload.Length && payload[position] != Terminator; position += 5)
        {
            if (payload[position] != EncryptionOption)
            {
                continue;
            }

            var offset = BinaryPrimitives.ReadUInt16BigEndian(payload[(position + 1)..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(payload[(position + 3)..]);
            return length >= 1 && offset < payload.Length && payload[offset] <= 3 ? (Encryption)payload[offset] : null;
        }

        return null;
    }
}
