using System.Net;
using System.Text;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Tests.Network;

/// <summary>moto answers in one page, so a first page with a nextToken is served from loopback to show that every page is read.</summary>
[Collection(MotoEc2Collection.Name)]
public sealed class Ec2PaginationTests(MotoEc2Fixture moto)
{
    [Fact]
    public async Task Security_groups_on_a_second_page_are_read()
    {
        var seeded = moto.Scenario("endpoint-healthy");
        var vpcId = seeded.GetProperty("vpcId").GetString()!;
        using var ec2 = moto.CreateClient(moto.Pipeline(new FirstPageHandler(vpcId) { InnerHandler = new HttpClientHandler() }));
        var snapshot = new Ec2NetworkSnapshot(ec2);

        var network = await snapshot.GetVpcAsync(vpcId);

        Assert.Contains("sg-0firstpage0000001", network.SecurityGroups.Keys);
        Assert.Contains(seeded.GetProperty("functionGroups")[0].GetString()!, network.SecurityGroups.Keys);
        Assert.Contains(seeded.GetProperty("endpointGroup").GetString()!, network.SecurityGroups.Keys);
    }

    /// <summary>Answers the first DescribeSecurityGroups call with one group and a nextToken; every other request goes to moto.</summary>
    private sealed class FirstPageHandler(string vpcId) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
                await request.Content.LoadIntoBufferAsync(cancellationToken);
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            if (body.Contains("Action=DescribeSecurityGroups") && !body.Contains("NextToken="))
                return new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent($"""
                        <DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
                          <requestId>first-page</requestId>
                          <securityGroupInfo>
                            <item>
                              <ownerId>123456789012</ownerId><groupId>sg-0firstpage0000001</groupId><groupName>first-page</groupName>
                              <groupDescription>served from loopback</groupDescription><vpcId>{vpcId}</vpcId>
                              <ipPermissions/><ipPermissionsEgress/>
                            </item>
                          </securityGroupInfo>
                          <nextToken>page-2</nextToken>
                        </DescribeSecurityGroupsResponse>
                        """, Encoding.UTF8, "text/xml"),
                };
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
