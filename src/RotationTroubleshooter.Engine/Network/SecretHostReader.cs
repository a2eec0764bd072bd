using System.Globalization;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Network;

/// <summary>Where a secret says its database is: the secret JSON's <c>engine</c>, <c>host</c> and <c>port</c>, nothing else.</summary>
/// <param name="KeyNames">The top-level key names of the secret JSON (names only, never values), for messages.</param>
public sealed record SecretDatabaseAddress(string? Engine, string? Host, int? Port, IReadOnlyList<string> KeyNames);

/// <summary>Reads a secret's current value (the run's shared read) and keeps only the database address.</summary>
internal sealed class SecretHostReader(AwsSession session)
{
    public async Task<SecretDatabaseAddress> ReadAsync(string secretId, CancellationToken cancellation)
    {
        var value = await SecretInputs.CurrentValue.GetAsync(session, secretId, cancellation).ConfigureAwait(false);
        if (value.NotJsonReason is { } reason)
            throw new TroubleshooterException(ErrorIds.SecretNotJson, FailureCategory.InvalidData,
                $"Secret '{secretId}' is not a JSON object ({reason}); rotation templates need engine, host, username and password keys.");
        // The templates accept the port as a number or a string.
        int? port = int.TryParse(value.GetPublicValue("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and < 65536
            ? parsed : null;
        var host = value.GetPublicValue("host")?.Trim();
        return new SecretDatabaseAddress(value.GetPublicValue("engine"), string.IsNullOrEmpty(host) ? null : host, port, value.KeyNames!);
    }
}
