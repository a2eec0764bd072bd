using RotationTroubleshooter.Records;

namespace RotationTroubleshooter.Tests.Records;

/// <summary>AWS's documented defaults of the TLS and SCRAM parameters, per engine and version (docs/reference/rds-records.md).</summary>
public sealed class EngineParametersTests
{
    [Theory]
    [InlineData("postgres", "14.10", "rds.force_ssl", "0")]
    [InlineData("postgres", "15.4", "rds.force_ssl", "1")]
    [InlineData("postgres", "16.3", "rds.force_ssl", "1")]
    [InlineData("aurora-postgresql", "16.3", "rds.force_ssl", "0")]
    [InlineData("aurora-postgresql", "17.4", "rds.force_ssl", "1")]
    [InlineData("sqlserver-se", "15.00.4345.5.v1", "rds.force_ssl", "0")]
    [InlineData("mysql", "8.0.36", "require_secure_transport", "0")]
    [InlineData("mysql", "8.4.3", "require_secure_transport", "0")]
    [InlineData("mysql", "9.7.0", "require_secure_transport", "1")]
    [InlineData("mysql", "9.1.0", "require_secure_transport", null)]
    [InlineData("mariadb", "10.11.6", "require_secure_transport", "0")]
    [InlineData("mariadb", "11.8.1", "require_secure_transport", "1")]
    [InlineData("mariadb", "11.6.2", "require_secure_transport", null)]
    [InlineData("aurora-mysql", "8.0.mysql_aurora.3.05.2", "require_secure_transport", null)]
    [InlineData("redshift", null, "require_ssl", "false")]
    [InlineData("redshift-serverless", null, "require_ssl", "true")]
    [InlineData("docdb", "5.0.0", "tls", "enabled")]
    [InlineData("postgres", "13.12", "password_encryption", "md5")]
    [InlineData("postgres", "14.1", "password_encryption", "scram-sha-256")]
    [InlineData("aurora-postgresql", "13.9", "password_encryption", "md5")]
    [InlineData("postgres", null, "rds.force_ssl", null)]
    [InlineData("oracle-ee", "19.0.0.0.ru-2024-01.rur-2024-01.r1", "rds.force_ssl", null)]
    public void The_documented_default_depends_on_the_engine_and_its_version(string engine, string? version, string parameter, string? expected)
    {
        var documented = EngineParameters.DefaultOf(engine, version, parameter);

        Assert.Equal(expected, documented?.Value);
        if (documented is not null)
        {
            Assert.StartsWith("https://", documented.Source);
            Assert.Contains("docs/reference/rds-records.md", documented.Source);
        }
    }

    [Theory]
    [InlineData("postgres", "rds.force_ssl")]
    [InlineData("aurora-postgresql", "rds.force_ssl")]
    [InlineData("sqlserver-ee", "rds.force_ssl")]
    [InlineData("mysql", "require_secure_transport")]
    [InlineData("aurora-mysql", "require_secure_transport")]
    [InlineData("mariadb", "require_secure_transport")]
    [InlineData("redshift", "require_ssl")]
    [InlineData("docdb", "tls")]
    [InlineData("oracle-se2", null)]
    public void Each_engine_names_the_parameter_that_demands_tls(string engine, string? parameter) =>
        Assert.Equal(parameter, EngineParameters.TlsParameter(engine));

    [Theory]
    [InlineData("rds.force_ssl", "1", true)]
    [InlineData("rds.force_ssl", "0", false)]
    [InlineData("require_secure_transport", "ON", true)]
    [InlineData("require_secure_transport", "OFF", false)]
    [InlineData("require_ssl", "true", true)]
    [InlineData("tls", "tls1.2+", true)]
    [InlineData("tls", "disabled", false)]
    [InlineData("rds.force_ssl", "{TLSRequired}", null)]
    public void A_tls_parameters_value_reads_as_demanding_tls_or_not(string parameter, string value, bool? demands) =>
        Assert.Equal(demands, EngineParameters.DemandsTls(parameter, value));
}
