using RotationTroubleshooter.Diagnosis;

namespace RotationTroubleshooter.Tests.Diagnosis;

public class RotationTemplatesTests
{
    [Theory]
    [InlineData("arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSDb2RotationSingleUser", "db2-se")]
    [InlineData("arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSDb2RotationMultiUser", "db2-ae")]
    [InlineData(null, "db2")]
    public void The_Db2_templates_take_RDS_s_Db2_engine_names(string? applicationId, string engine)
    {
        // The templates check only that engine starts with "db2"; RDS secrets carry db2-se or db2-ae.
        var template = RotationTemplates.Identify(applicationId, "rotation-db2", engine);
        Assert.NotNull(template);
        Assert.Equal("Db2", template.Name);
        Assert.Contains(engine, template.EngineValues);
    }
}
