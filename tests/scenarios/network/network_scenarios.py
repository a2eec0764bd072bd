"""Seeds the network scenarios of the network path checks into moto's EC2 through boto3.

Usage: python3 network_scenarios.py <endpoint-url> [scenario ...]
Seeds every named scenario (all when none is named), each in its own VPC, and prints one JSON object
mapping scenario name to the ids the test needs (function subnets and security groups, endpoint DNS
names, database target). Blocked variants and their fixed twins differ in exactly one setting.
"""
import json
import sys

import boto3

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/rotation-function-role"
OTHER_ROLE_ARN = "arn:aws:iam::123456789012:role/someone-else"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf"
DB_PORT = 5432


class Network:
    """One VPC laid out like a typical rotation setup: two function subnets (a, b), endpoint subnets, a database subnet."""

    def __init__(self, ec2, cidr_prefix="10.0", database_allows_function=True):
        self.ec2 = ec2
        self.prefix = cidr_prefix
        self.vpc = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16")["Vpc"]["VpcId"]
        self.function_subnets = [self.subnet(1, "a"), self.subnet(2, "b")]
        self.function_sg = self.group("rotation-function")
        self.endpoint_sg = self.group("secretsmanager-endpoint")
        self.database_sg = self.group("database")
        self.other_sg = self.group("unrelated")
        self.database_subnet = self.subnet(21, "a")
        if database_allows_function:
            self.allow_in(self.database_sg, DB_PORT, source_group=self.function_sg)
        self.endpoint_id = None
        self.endpoint_dns = []

    def subnet(self, third_octet, zone):
        return self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"{self.prefix}.{third_octet}.0/24",
                                      AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]

    def group(self, name):
        return self.ec2.create_security_group(GroupName=f"{name}-{self.vpc}", Description=name, VpcId=self.vpc)["GroupId"]

    def allow_in(self, group, port, source_group=None, cidr=None, prefix_list=None):
        permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        if source_group:
            permission["UserIdGroupPairs"] = [{"GroupId": source_group}]
        if cidr:
            permission["IpRanges"] = [{"CidrIp": cidr}]
        if prefix_list:
            permission["PrefixListIds"] = [{"PrefixListId": prefix_list}]
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])

    def endpoint(self, zones=("a", "b"), private_dns=True, policy=None):
        subnets = [self.subnet(10 + " abc".index(z), z) for z in zones]
        args = dict(VpcId=self.vpc, ServiceName=f"com.amazonaws.{REGION}.secretsmanager", VpcEndpointType="Interface",
                    SubnetIds=subnets, SecurityGroupIds=[self.endpoint_sg], PrivateDnsEnabled=private_dns)
        if policy is not None:
            args["PolicyDocument"] = json.dumps(policy)
        endpoint = self.ec2.create_vpc_endpoint(**args)["VpcEndpoint"]
        self.endpoint_id = endpoint["VpcEndpointId"]
        self.endpoint_dns = [d["DnsName"] for d in endpoint.get("DnsEntries", [])]

    def nat_gateway(self, public=True):
        """A NAT gateway for the function subnets; in a subnet routed to an internet gateway unless public=False."""
        nat_subnet = self.subnet(31, "a")
        if public:
            igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=self.vpc)
            public_table = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
            self.ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
            self.ec2.associate_route_table(RouteTableId=public_table, SubnetId=nat_subnet)
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = self.ec2.create_nat_gateway(SubnetId=nat_subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        private_table = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        for subnet in self.function_subnets:
            self.ec2.associate_route_table(RouteTableId=private_table, SubnetId=subnet)
        return nat

    def network_acl(self, subnets, entries):
        """A custom network ACL with entries (rule, egress, action, cidr, from, to) replacing the default on subnets."""
        acl = self.ec2.create_network_acl(VpcId=self.vpc)["NetworkAcl"]["NetworkAclId"]
        for rule, egress, action, cidr, low, high in entries:
            entry = dict(NetworkAclId=acl, RuleNumber=rule, Egress=egress, RuleAction=action, CidrBlock=cidr)
            if low is None:
                entry["Protocol"] = "-1"
            else:
                entry.update(Protocol="6", PortRange={"From": low, "To": high})
            self.ec2.create_network_acl_entry(**entry)
        acls = self.ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["NetworkAcls"]
        for subnet in subnets:
            association = next(a for n in acls for a in n["Associations"] if a["SubnetId"] == subnet)
            self.ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl)
        return acl

    def result(self, **extra):
        out = {
            "vpcId": self.vpc,
            "functionSubnets": self.function_subnets,
            "functionGroups": [self.function_sg],
            "endpointGroup": self.endpoint_sg,
            "endpointId": self.endpoint_id,
            "endpointDns": self.endpoint_dns,
            "database": {"vpcId": self.vpc, "subnets": [self.database_subnet], "groups": [self.database_sg], "port": DB_PORT},
        }
        out.update(extra)
        return out


def healthy(ec2, **endpoint_options):
    """Function reaches Secrets Manager through a private-DNS endpoint and the database in its own VPC."""
    net = Network(ec2)
    net.allow_in(net.endpoint_sg, 443, source_group=net.function_sg)
    net.endpoint(**endpoint_options)
    return net


def allow_all_policy(extra_statements=()):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}, *extra_statements]}


def deny_put(role):
    return {"Sid": "NoWrites", "Effect": "Deny", "Principal": {"AWS": role},
            "Action": ["secretsmanager:PutSecretValue"], "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*"}


def scenario_endpoint_healthy(ec2):
    return healthy(ec2).result()


def scenario_no_route(ec2):
    return Network(ec2).result()


def scenario_nat_healthy(ec2):
    net = Network(ec2)
    nat = net.nat_gateway(public=True)
    return net.result(natGatewayId=nat)


def scenario_function_in_public_subnet(ec2):
    net = Network(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=net.vpc)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [net.vpc]}, {"Name": "association.main", "Values": ["true"]}])
    ec2.create_route(RouteTableId=main["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    return net.result(internetGatewayId=igw)


def scenario_nat_in_private_subnet(ec2):
    net = Network(ec2)
    nat = net.nat_gateway(public=False)
    return net.result(natGatewayId=nat)


def scenario_private_dns_off(ec2):
    return healthy(ec2, private_dns=False).result()


def scenario_endpoint_other_az(ec2):
    return healthy(ec2, zones=("c",)).result()


def scenario_endpoint_sg_other_source(ec2):
    net = Network(ec2)
    net.allow_in(net.endpoint_sg, 443, source_group=net.other_sg)
    net.endpoint()
    return net.result(otherGroup=net.other_sg)


def scenario_endpoint_sg_cidr(ec2):
    net = Network(ec2)
    net.allow_in(net.endpoint_sg, 443, cidr="10.0.0.0/16")
    net.endpoint()
    return net.result()


def scenario_endpoint_sg_prefix_list(ec2):
    net = Network(ec2)
    prefix_list = ec2.create_managed_prefix_list(PrefixListName=f"functions-{net.vpc}", MaxEntries=5, AddressFamily="IPv4",
                                                 Entries=[{"Cidr": "10.0.1.0/24"}, {"Cidr": "10.0.2.0/24"}])["PrefixList"]["PrefixListId"]
    net.allow_in(net.endpoint_sg, 443, prefix_list=prefix_list)
    net.endpoint()
    return net.result(prefixListId=prefix_list)


def scenario_function_sg_no_https(ec2):
    net = healthy(ec2)
    ec2.revoke_security_group_egress(GroupId=net.function_sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=net.function_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": DB_PORT, "ToPort": DB_PORT, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    return net.result()


def scenario_function_sg_https_only(ec2):
    net = healthy(ec2)
    ec2.revoke_security_group_egress(GroupId=net.function_sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=net.function_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return net.result()


def _nacl_scenario(ec2, deny_rule):
    net = healthy(ec2)
    acl = net.network_acl(net.function_subnets, [
        (deny_rule, True, "deny", "0.0.0.0/0", 443, 443),
        (100, True, "allow", "0.0.0.0/0", None, None),
        (100, False, "allow", "0.0.0.0/0", None, None),
    ])
    return net.result(networkAclId=acl)


def scenario_nacl_deny_shadows_allow(ec2):
    return _nacl_scenario(ec2, deny_rule=90)


def scenario_nacl_deny_after_allow(ec2):
    return _nacl_scenario(ec2, deny_rule=110)


def scenario_endpoint_nacl_blocks_replies(ec2):
    net = healthy(ec2)
    endpoint_subnets = ec2.describe_vpc_endpoints(VpcEndpointIds=[net.endpoint_id])["VpcEndpoints"][0]["SubnetIds"]
    acl = net.network_acl(endpoint_subnets, [
        (100, False, "allow", "10.0.0.0/16", 443, 443),
        (100, True, "allow", "10.0.0.0/16", 0, 1023),
    ])
    return net.result(networkAclId=acl)


def scenario_endpoint_policy_deny(ec2):
    return healthy(ec2, policy=allow_all_policy([deny_put(ROLE_ARN)])).result()


def scenario_endpoint_policy_deny_other_role(ec2):
    return healthy(ec2, policy=allow_all_policy([deny_put(OTHER_ROLE_ARN)])).result()


def scenario_endpoint_policy_condition(ec2):
    condition = {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}}
    return healthy(ec2, policy={"Version": "2012-10-17", "Statement": [condition]}).result()


def scenario_db_sg_blocks(ec2):
    net = Network(ec2, database_allows_function=False)
    net.allow_in(net.endpoint_sg, 443, source_group=net.function_sg)
    net.allow_in(net.database_sg, DB_PORT, source_group=net.other_sg)
    net.endpoint()
    return net.result()


def scenario_db_nacl_blocks(ec2):
    net = healthy(ec2)
    acl = net.network_acl([net.database_subnet], [
        (50, False, "deny", "10.0.0.0/16", DB_PORT, DB_PORT),
        (100, False, "allow", "0.0.0.0/0", None, None),
        (100, True, "allow", "0.0.0.0/0", None, None),
    ])
    return net.result(networkAclId=acl)


def _other_vpc(ec2, peered):
    net = healthy(ec2)
    db = Network(ec2, cidr_prefix="10.1", database_allows_function=False)
    db.allow_in(db.database_sg, DB_PORT, cidr="10.0.0.0/16")
    extra = {}
    if peered:
        peering = ec2.create_vpc_peering_connection(VpcId=net.vpc, PeerVpcId=db.vpc)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
        for vpc, cidr in ((net.vpc, "10.1.0.0/16"), (db.vpc, "10.0.0.0/16")):
            main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}])
            ec2.create_route(RouteTableId=main["RouteTables"][0]["RouteTableId"], DestinationCidrBlock=cidr, VpcPeeringConnectionId=peering)
        extra["peeringId"] = peering
    return net.result(database={"vpcId": db.vpc, "subnets": [db.database_subnet], "groups": [db.database_sg], "port": DB_PORT}, **extra)


def scenario_db_other_vpc(ec2):
    return _other_vpc(ec2, peered=False)


def scenario_db_other_vpc_peered(ec2):
    return _other_vpc(ec2, peered=True)


SCENARIOS = {name[len("scenario_"):].replace("_", "-"): f for name, f in sorted(globals().items()) if name.startswith("scenario_")}


def main():
    url, names = sys.argv[1], sys.argv[2:] or list(SCENARIOS)
    ec2 = boto3.client("ec2", endpoint_url=url, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
    print(json.dumps({name: SCENARIOS[name](ec2) for name in names}, indent=1))


if __name__ == "__main__":
    main()
