using System.Net;
using System.Text;

namespace RotationTroubleshooter.Tests.Aws;

/// <summary>Answers each request from a function of its X-Amz-Target (empty for query and REST calls) and body; keeps the bodies.</summary>
internal sealed class ScriptedHandler(Func<string, string, HttpResponseMessage> answer) : HttpMessageHandler
{
    public List<string> Bodies { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Bodies) Bodies.Add(body);
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "";
        return answer(target, body);
    }

    public static HttpResponseMessage Ok(string body, string type) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, type) };
}
