using System.Text.Json;

namespace RotationTroubleshooter.Database;

/// <summary>
/// Where and as whom a rotation template would log in, read from a secret's JSON. The password stays inside the
/// engine: it is not a public property and never appears in <see cref="ToString"/> or in an exception.
/// </summary>
public sealed class DatabaseConnectionInfo
{
    /// <summary>Secrets Manager's own limit on a secret value; anything larger is not a secret string.</summary>
    private const int MaxSecretLength = 65536;

    private DatabaseConnectionInfo(DatabaseEngine engine, string engineName, string host, int port, string? databaseName,
        string userName, string password, DatabaseTlsPreference tls, string? masterArn)
    {
        Engine = engine;
        EngineName = engineName;
        Host = host;
        Port = port;
        DatabaseName = databaseName;
        UserName = userName;
        Password = password;
        Tls = tls;
        MasterArn = masterArn;
    }

    public DatabaseEngine Engine { get; }
    /// <summary>The <c>engine</c> value as written in the secret, e.g. <c>aurora-postgresql</c>.</summary>
    public string EngineName { get; }
    public string Host { get; }
    public int Port { get; }
    /// <summary>The database to log into; null where the template names none (MySQL, MariaDB, Db2 without <c>dbname</c>).</summary>
    public string? DatabaseName { get; }
    public string UserName { get; }
    public DatabaseTlsPreference Tls { get; }
    public string? MasterArn { get; }
    public int PasswordLength => Password.Length;

    /// <summary>host:port, safe to show.</summary>
    public string Endpoint => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    internal string Password { get; }

    /// <summary>Reads a secret string as the rotation template for its engine would, with that template's defaults.</summary>
    /// <exception cref="DatabaseSecretFormatException">The JSON is malformed, a required key is missing, or a value has the wrong type.</exception>
    /// <param name="owner">
    /// For a secret RDS or Redshift manages (it holds only a username and password): the owning database's engine, host,
    /// port and database, which fill what the value leaves out.
    /// </param>
    public static DatabaseConnectionInfo Parse(string secretString, Records.OwnerEndpoint? owner = null)
    {
        ArgumentNullException.ThrowIfNull(secretString);
        if (secretString.Length > MaxSecretLength)
        {
            throw new DatabaseSecretFormatException(DatabaseSecretProblem.TooLong, $"The secret string is {secretString.Length} characters, more than a secret can hold ({MaxSecretLength}).");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(secretString, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            // The JSON reader's message can quote the text around the error, which may be the password: keep only the position.
            throw new DatabaseSecretFormatException(DatabaseSecretProblem.NotJson, $"The secret string is not valid JSON (error near byte {ex.BytePositionInLine} of line {ex.LineNumber + 1}).");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DatabaseSecretFormatException(DatabaseSecretProblem.NotAnObject, $"The secret string is JSON but not an object (it is {root.ValueKind}); the rotation templates need an object with engine, host, username and password.");
            }

            var engineName = owner is not null ? OptionalString(root, "engine") ?? owner.EngineName : RequiredString(root, "engine");
            var (engine, defaultPort, defaultDatabase) = DatabaseEngines.Of(engineName)
                ?? throw new DatabaseSecretFormatException(DatabaseSecretProblem.InvalidValue,
                    $"The 'engine' value '{Truncate(engineName)}' is not one a rotation template accepts (postgres, aurora-postgresql, mysql, aurora-mysql, mariadb, oracle, sqlserver, redshift, mongo, db2...).");

            var host = owner is not null ? OptionalString(root, "host") ?? owner.Host : RequiredString(root, "host");
            if (engine == DatabaseEngine.MongoDb && host.Contains("://", StringComparison.Ordinal))
            {
                // The MongoDB template takes the host out of a connection URL: host.split('/')[2].split(':')[0].
                host = host.Split('/')[2].Split(':')[0];
            }

            var userName = RequiredString(root, "username");
            var password = RequiredString(root, "password");
            var databaseName = OptionalString(root, "dbname") ?? owner?.Database ?? defaultDatabase;
            if (engine == DatabaseEngine.Oracle && databaseName is null)
            {
                throw new DatabaseSecretFormatException(DatabaseSecretProblem.KeyMissing, "dbname key is missing from secret JSON (the Oracle template requires it).");
            }

            return new DatabaseConnectionInfo(engine, engineName, host, ReadPort(root, owner?.Port ?? defaultPort), databaseName, userName, password,
                ReadTlsPreference(root), OptionalString(root, "masterarn"));
        }
    }

    public override string ToString() =>
        $"{EngineName} {UserName}@{Endpoint}/{DatabaseName ?? "(no database)"} (TLS: {Tls}, password: {PasswordLength} characters)";

    private static string RequiredString(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            // Worded as the templates' own KeyError, so it matches what the function's log shows.
            throw new DatabaseSecretFormatException(DatabaseSecretProblem.KeyMissing, $"{key} key is missing from secret JSON");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new DatabaseSecretFormatException(DatabaseSecretProblem.InvalidValue, $"The '{key}' key must be a JSON string but is {value.ValueKind}.");
        }

        var text = value.GetString()!;
        if (text.Length == 0)
        {
            throw new DatabaseSecretFormatException(DatabaseSecretProblem.InvalidValue, $"The '{key}' key is empty.");
        }

        return text;
    }

    private static string? OptionalString(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new DatabaseSecretFormatException(DatabaseSecretProblem.InvalidValue, $"The '{key}' key must be a JSON string but is {value.ValueKind}.");
        }

        var text = value.GetString()!;
        return text.Length == 0 ? null : text;
    }

    private static int ReadPort(JsonElement root, int defaultPort)
    {
        if (!root.TryGetProperty("port", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return defaultPort;
        }

        // The templates call int(port), so both 5432 and "5432" work.
        int port;
        var ok = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt32(out port),
            JsonValueKind.String => int.TryParse(value.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port),
            _ => (port = 0) == 1,
        };
        if (!ok || port is < 1 or > 65535)
        {
            throw new DatabaseSecretFormatException(DatabaseSecretProblem.InvalidValue, "The 'port' key is not a port number between 1 and 65535.");
        }

        return port;
    }

    private static DatabaseTlsPreference ReadTlsPreference(JsonElement root)
    {
        if (!root.TryGetProperty("ssl", out var value))
        {
            return DatabaseTlsPreference.TlsThenPlain;
        }

        return DatabaseEngines.TlsPreferenceOf(value.ValueKind switch
        {
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.String => value.GetString(),
            _ => null,
        });
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

/// <summary>A secret string that the rotation templates could not read. The message names keys, never values of secrets.</summary>
public sealed class DatabaseSecretFormatException : TroubleshooterException
{
    public DatabaseSecretFormatException(DatabaseSecretProblem problem, string message)
        : base(problem switch
            {
                DatabaseSecretProblem.NotJson => ErrorIds.SecretValueNotJson,
                DatabaseSecretProblem.KeyMissing => ErrorIds.SecretJsonKeyMissing,
                _ => ErrorIds.SecretValueInvalid,
            }, FailureCategory.InvalidData, message) => Problem = problem;

    public DatabaseSecretProblem Problem { get; }
}

/// <summary>What is wrong with a secret string, so callers can name it (and pick an error id) without reading the message.</summary>
public enum DatabaseSecretProblem
{
    /// <summary>Not JSON at all (for example a bare password).</summary>
    NotJson,
    /// <summary>JSON, but not an object.</summary>
    NotAnObject,
    /// <summary>A key the template requires is missing or null.</summary>
    KeyMissing,
    /// <summary>A key has the wrong type or an unusable value.</summary>
    InvalidValue,
    /// <summary>Longer than Secrets Manager allows.</summary>
    TooLong,
}
