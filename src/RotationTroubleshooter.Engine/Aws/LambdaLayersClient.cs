using System.Text.Json.Serialization;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

/// <summary>Lambda layers (restJson1): where a layer version's zip can be downloaded.</summary>
public sealed class LambdaLayersClient(AwsPipeline pipeline) : IRunService<LambdaLayersClient>
{
    public static LambdaLayersClient Create(AwsSession session) => new(session.Pipeline);

    /// <summary>GetLayerVersionByArn: the layer version's content, with a presigned download URL valid for 10 minutes.</summary>
    public Task<LayerVersionResponse> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellation) =>
        pipeline.RestGetAsync(AwsServices.Lambda, "GetLayerVersionByArn",
            $"/2018-10-31/layers?find=LayerVersion&Arn={Uri.EscapeDataString(layerVersionArn)}",
            LambdaLayersJsonContext.Default.LayerVersionResponse, cancellation);
}

public sealed class LayerVersionResponse
{
    public string? LayerVersionArn { get; set; }
    public long? Version { get; set; }
    public LayerVersionContent? Content { get; set; }
}

public sealed class LayerVersionContent
{
    public string? Location { get; set; }
    public long? CodeSize { get; set; }
}

// Its own context: a second partial declaration of AwsJsonContext makes the System.Text.Json generator fail (duplicate hint names).
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, Converters = [typeof(UntrustedStringConverter)])]
[JsonSerializable(typeof(LayerVersionResponse))]
internal sealed partial class LambdaLayersJsonContext : JsonSerializerContext;
