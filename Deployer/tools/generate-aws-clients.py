#!/usr/bin/env python3
"""Generates the typed AWS clients under Deployer/Aws/<Service>/ from botocore's official API models.

The AWS SDK packages for ECS, ELBv2, ECR, IAM, CloudWatch Logs, Application Auto Scaling, Secrets Manager, Cloud
Map, ACM and Route 53 are not served here, so the Deployer carries its own thin clients for exactly the operations it
needs. Request and response records,
enum constants, client methods and paginators are generated from botocore's service-2.json / paginators-1.json so
that every member name, type and required flag is the model's own. The hand-written runtime (signing, retries,
protocols) lives in Deployer/Aws/Core. tests/Deployer.Tests checks the result against the model again.

Usage: python3 Deployer/tools/generate-aws-clients.py [--out DIR]
  (rewrites Deployer/Aws/<Service>/*.g.cs; with --out, writes DIR/<Service>/*.g.cs instead and leaves the tree alone)
To add an operation: add its name to OPERATIONS below and rerun.
"""
import glob
import gzip
import html
import json
import os
import re
import sys

import botocore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Where the clients go: the Deployer's own folder, or (--out DIR) elsewhere, e.g. to compare without rewriting.
OUT = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv[1:-1] else os.path.join(ROOT, "Deployer", "Aws")
DATA = os.path.join(os.path.dirname(botocore.__file__), "data")

# model name -> (C# namespace/folder, client class, service key, operations)
SERVICES = {
    "ecs": ("Ecs", "EcsClient", [
        "CreateCluster", "DescribeClusters", "DeleteCluster", "ListClusters", "RegisterTaskDefinition",
        "DescribeTaskDefinition", "DeregisterTaskDefinition", "ListTaskDefinitions", "CreateService",
        "UpdateService", "DescribeServices", "DeleteService", "ListServices", "ListTasks", "DescribeTasks",
        "TagResource", "UntagResource", "ListTagsForResource", "ListTaskDefinitionFamilies", "UpdateCluster",
        "DeleteTaskDefinitions"]),
    "elbv2": ("ElasticLoadBalancingV2", "ElbV2Client", [
        "CreateLoadBalancer", "DescribeLoadBalancers", "DeleteLoadBalancer", "SetSecurityGroups",
        "ModifyLoadBalancerAttributes", "DescribeLoadBalancerAttributes", "CreateTargetGroup",
        "DescribeTargetGroups", "ModifyTargetGroup", "ModifyTargetGroupAttributes",
        "DescribeTargetGroupAttributes", "DeleteTargetGroup", "CreateListener", "DescribeListeners",
        "ModifyListener", "DeleteListener", "DescribeTargetHealth", "AddTags", "RemoveTags", "DescribeTags",
        "RegisterTargets", "CreateRule", "DescribeRules", "ModifyRule", "DeleteRule", "SetRulePriorities"]),
    "ecr": ("Ecr", "EcrClient", [
        "CreateRepository", "DescribeRepositories", "DeleteRepository", "GetAuthorizationToken",
        "DescribeImages", "PutImageScanningConfiguration", "PutImageTagMutability", "TagResource",
        "ListTagsForResource", "PutLifecyclePolicy", "GetLifecyclePolicy"]),
    "iam": ("Iam", "IamClient", [
        "CreateRole", "GetRole", "AttachRolePolicy", "ListAttachedRolePolicies", "DetachRolePolicy",
        "DeleteRole", "TagRole", "ListRoleTags", "ListRoles", "ListRolePolicies", "DeleteRolePolicy",
        "UpdateAssumeRolePolicy", "CreateServiceLinkedRole", "PutRolePolicy", "GetRolePolicy"]),
    "logs": ("CloudWatchLogs", "CloudWatchLogsClient", [
        "CreateLogGroup", "DescribeLogGroups", "PutRetentionPolicy", "DeleteLogGroup", "TagResource",
        "ListTagsForResource", "FilterLogEvents", "GetLogEvents", "CreateLogStream", "PutLogEvents"]),
    "application-autoscaling": ("ApplicationAutoScaling", "ApplicationAutoScalingClient", [
        "RegisterScalableTarget", "DescribeScalableTargets", "PutScalingPolicy", "DescribeScalingPolicies",
        "DeleteScalingPolicy", "DeregisterScalableTarget"]),
    "secretsmanager": ("SecretsManager", "SecretsManagerClient", [
        "CreateSecret", "PutSecretValue", "DescribeSecret", "GetSecretValue", "ListSecrets", "DeleteSecret",
        "RestoreSecret", "TagResource", "UntagResource"]),
    "servicediscovery": ("ServiceDiscovery", "ServiceDiscoveryClient", [
        "CreateHttpNamespace", "GetOperation", "GetNamespace", "ListNamespaces", "DeleteNamespace",
        "ListServices", "DeleteService", "ListTagsForResource", "TagResource"]),
    "acm": ("CertificateManager", "AcmClient", [
        "RequestCertificate", "DescribeCertificate", "ListCertificates", "ListTagsForCertificate", "AddTagsToCertificate",
        "DeleteCertificate"]),
    "route53": ("Route53", "Route53Client", [
        "ListHostedZonesByName", "GetHostedZone", "ListResourceRecordSets", "ChangeResourceRecordSets", "GetChange"]),
}

# Shape names that would clash with types the implicit usings bring in (System, System.IO, System.Linq,
# System.Net.Http, System.Threading, System.Threading.Tasks, System.Collections.Generic).
RESERVED = set("""
Action Activator Array Attribute Barrier BitConverter Boolean Buffer Byte CancellationToken Char Comparer Comparison
Console Convert Converter DateOnly DateTime DateTimeOffset Decimal Delegate Dictionary Directory Double Enum
Enumerable Environment EqualityComparer EventArgs EventHandler Exception File FileInfo Func GC Guid Half HashCode
HashSet HttpClient HttpContent HttpMethod HttpRequestMessage HttpResponseMessage Index Int32 Int64 Interlocked
KeyValuePair Lazy LinkedList List Lock Lookup Math Memory Monitor Mutex Nullable Object OperatingSystem Path
Predicate PriorityQueue Progress Queryable Queue Random Range Semaphore SortedDictionary SortedList SortedSet Span
Stack Stream String Task Thread ThreadPool TimeOnly TimeSpan Timeout Timer TimeZoneInfo Tuple Type Uri ValueTask
ValueTuple Version Void Volatile WeakReference
""".split())

G = "global::"
LIST = G + "System.Collections.Generic.IReadOnlyList"
MAP = G + "System.Collections.Generic.IReadOnlyDictionary"
TASK = G + "System.Threading.Tasks.Task"
CT = G + "System.Threading.CancellationToken"
ASYNC_ENUM = G + "System.Collections.Generic.IAsyncEnumerable"
JSON_NAME = G + "System.Text.Json.Serialization.JsonPropertyName"
PRIMITIVES = {"string": "string", "integer": "int", "long": "long", "boolean": "bool", "double": "double",
              "float": "double", "timestamp": G + "System.DateTimeOffset", "blob": "byte[]"}
VALUE_TYPES = {"int", "long", "bool", "double", G + "System.DateTimeOffset"}


def doc(text, fallback):
    text = re.sub(r"<[^>]+>", " ", text or "")
    text = html.unescape(text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        text = fallback
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    if match:
        text = match.group(1)
    if len(text) > 400:
        text = text[:397].rstrip() + "..."
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pascal(name):
    parts = re.split(r"[^A-Za-z0-9]+", name)
    out = "".join(p[:1].upper() + p[1:] for p in parts if p)
    return out if out and not out[0].isdigit() else "Value" + out


def enum_const(value):
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", value) if p]
    out = "".join(p[:1].upper() + p[1:].lower() if p.isupper() or p.islower() else p[:1].upper() + p[1:]
                  for p in parts)
    return out if out and not out[0].isdigit() else "Value" + out


def rest_xml_attributes(ref, shapes):
    """The rest-xml wire facts of one member: where it goes (uri label, query string, header) or, in the XML body,
    its element name when it is not the member name, and for a list the name of its item elements."""
    lines = []
    location = ref.get("location")
    if location in ("uri", "querystring", "header", "headers"):
        lines.append(f"[AwsLocation(\"{location}\", \"{ref.get('locationName', '')}\")]")
        return lines
    if "locationName" in ref:
        lines.append(f"[AwsXmlName(\"{ref['locationName']}\")]")
    shape = shapes[ref["shape"]]
    if shape["type"] == "list":
        item = shape["member"].get("locationName", "member")
        flattened = "true" if shape.get("flattened") else "false"
        lines.append(f"[AwsXmlList(\"{item}\", {flattened})]")
    return lines


def load(model):
    path = sorted(glob.glob(os.path.join(DATA, model, "*", "service-2.json.gz")))[-1]
    with gzip.open(path) as f:
        service = json.load(f)
    pag_path = os.path.join(os.path.dirname(path), "paginators-1.json")
    paginators = {}
    if os.path.exists(pag_path):
        with open(pag_path) as f:
            paginators = json.load(f).get("pagination", {})
    return service, paginators, os.path.relpath(path, DATA)


def generate(model, namespace, client, operations):
    service, paginators, rel = load(model)
    shapes = service["shapes"]
    names = {}  # shape name -> C# type name
    order = []

    def type_name(shape):
        if shape not in names:
            names[shape] = ("Aws" + shape) if shape in RESERVED else shape
        return names[shape]

    for op in operations:
        spec = service["operations"][op]
        for key, suffix in (("input", "Request"), ("output", "Response")):
            if key in spec:
                shape = spec[key]["shape"]
                if shape in names and names[shape] != op + suffix:
                    sys.exit(f"{model}: shape {shape} is shared by two operations; extend the generator")
                names[shape] = op + suffix

    seen = set()

    def walk(shape):
        if shape in seen:
            return
        seen.add(shape)
        s = shapes[shape]
        for m in s.get("members", {}).values():
            walk(m["shape"])
        if s["type"] == "list":
            walk(s["member"]["shape"])
        if s["type"] == "map":
            walk(s["key"]["shape"])
            walk(s["value"]["shape"])
        if s["type"] == "structure" or "enum" in s:
            order.append(shape)

    for op in operations:
        spec = service["operations"][op]
        for key in ("input", "output"):
            if key in spec:
                walk(spec[key]["shape"])

    def cs_type(shape):
        s = shapes[shape]
        t = s["type"]
        if t == "structure":
            return type_name(shape)
        if t == "list":
            return f"{LIST}<{cs_type(s['member']['shape'])}>"
        if t == "map":
            return f"{MAP}<string, {cs_type(s['value']['shape'])}>"
        return PRIMITIVES[t]

    meta = service["metadata"]
    full = meta.get("serviceFullName", model)
    rest_xml = meta["protocol"] == "rest-xml"
    out = []
    w = out.append
    w("// <auto-generated>")
    w(f"// Generated by Deployer/tools/generate-aws-clients.py from botocore {botocore.__version__} data/{rel}.")
    w("// Do not edit by hand: change the generator's operation list and rerun it.")
    w("// </auto-generated>")
    w("#nullable enable")
    w("")
    w(f"namespace Aspire.Deployer.Aws.{namespace};")
    w("")

    request_of = {}
    response_of = {}
    for op in operations:
        spec = service["operations"][op]
        if "input" in spec:
            request_of[spec["input"]["shape"]] = op
        if "output" in spec:
            response_of[spec["output"]["shape"]] = op

    for shape in sorted(order, key=lambda n: type_name(n)):
        s = shapes[shape]
        name = type_name(shape)
        if "enum" in s:
            w(f"/// <summary>Values the {full} model allows for {shape}.</summary>")
            w(f"public static class {name}")
            w("{")
            used = set()
            for value in s["enum"]:
                const = enum_const(value)
                if const == name:
                    const += "Value"
                while const in used:
                    const += "_"
                used.add(const)
                w(f"    /// <summary>The value <c>{html.escape(value)}</c>.</summary>")
                w(f"    public const string {const} = \"{value}\";")
            w("}")
            w("")
            continue
        op = request_of.get(shape)
        response_op = response_of.get(shape)
        if op is not None:
            summary = f"The request of {op}: {doc(service['operations'][op].get('documentation'), op + '.')}"
        elif response_op is not None:
            summary = f"The response of {response_op}."
        else:
            summary = doc(s.get('documentation'), f'The {shape} shape of the {full} API.')
        w(f"/// <summary>{summary}</summary>")
        if op is not None:
            resp = op + "Response"
            w(f"[AwsOperation(\"{model}\", \"{op}\")]")
            if rest_xml:
                http = service["operations"][op]["http"]
                w(f"[AwsHttp(\"{http['method']}\", \"{http['requestUri']}\")]")
                ref = service["operations"][op]["input"]
                if "locationName" in ref:
                    w(f"[AwsXmlRoot(\"{ref['locationName']}\", \"{ref.get('xmlNamespace', {}).get('uri', '')}\")]")
            w(f"public sealed record {name} : IAwsRequest<{resp}>")
        else:
            w(f"public sealed record {name}")
        w("{")
        required = set(s.get("required", []))
        for member, ref in s.get("members", {}).items():
            prop = pascal(member)
            if prop == name:
                prop += "Value"
            t = cs_type(ref["shape"])
            w(f"    /// <summary>{doc(ref.get('documentation'), f'The {member} member.')}</summary>")
            w(f"    [{JSON_NAME}(\"{member}\")]")
            leaf = ref["shape"]
            while shapes[leaf]["type"] in ("list", "map"):
                leaf = shapes[leaf]["member" if shapes[leaf]["type"] == "list" else "value"]["shape"]
            if "enum" in shapes[leaf]:
                w(f"    [AwsEnum(typeof(global::Aspire.Deployer.Aws.{namespace}.{type_name(leaf)}))]")
            if rest_xml:
                for line in rest_xml_attributes(ref, shapes):
                    w(f"    {line}")
            if member in required:
                w(f"    public required {t} {prop} {{ get; init; }}")
            else:
                w(f"    public {t}? {prop} {{ get; init; }}")
            w("")
        if out[-1] == "":
            out.pop()
        w("}")
        w("")

    # Operations without an input or output shape still get records, so every method has one signature.
    for op in operations:
        spec = service["operations"][op]
        if "input" not in spec:
            w(f"/// <summary>The (empty) request of {op}.</summary>")
            w(f"[AwsOperation(\"{model}\", \"{op}\")]")
            w(f"public sealed record {op}Request : IAwsRequest<{op}Response>;")
            w("")
        if "output" not in spec:
            w(f"/// <summary>The (empty) response of {op}.</summary>")
            w(f"public sealed record {op}Response;")
            w("")

    w(f"/// <summary>Typed client for the {full} operations the Deployer uses (generated from the official model).</summary>")
    w(f"public sealed partial class {client}")
    w("{")
    w("    private readonly AwsServiceInvoker _invoker;")
    w("")
    w(f"    internal {client}(AwsServiceInvoker invoker) => _invoker = invoker;")
    w("")
    w("    /// <summary>The endpoint this client sends requests to.</summary>")
    w("    public global::System.Uri Endpoint => _invoker.Endpoint;")
    for op in operations:
        spec = service["operations"][op]
        req, resp = op + "Request", op + "Response"
        w("")
        w(f"    /// <summary>{op}: {doc(spec.get('documentation'), op + '.')}</summary>")
        w("    /// <param name=\"request\">The request.</param>")
        w("    /// <param name=\"cancellationToken\">Cancels the call, including its retries.</param>")
        w(f"    /// <exception cref=\"AwsApiException\">The call failed (after retries where the error is transient).</exception>")
        w(f"    public {TASK}<{resp}> {op}Async({req} request, {CT} cancellationToken = default)")
        w("        => _invoker.SendAsync(request, cancellationToken);")
        pag = paginators.get(op)
        if not pag:
            continue
        in_tok, out_tok = pag["input_token"], pag["output_token"]
        more = pag.get("more_results")
        w("")
        if isinstance(in_tok, str) and isinstance(out_tok, str):
            next_expr = f"r.{pascal(out_tok)}"
            if more:
                next_expr = f"r.{pascal(more)} == true ? r.{pascal(out_tok)} : null"
            w(f"    /// <summary>Every page of {op}, following {out_tok} until AWS returns none.</summary>")
            w("    /// <param name=\"request\">The first request; its token member is replaced for each later page.</param>")
            w("    /// <param name=\"cancellationToken\">Cancels the enumeration.</param>")
            w(f"    public {ASYNC_ENUM}<{resp}> {op}PagesAsync({req} request, {CT} cancellationToken = default)")
            w(f"        => AwsPaginator.PagesAsync(request, {op}Async, static (q, t) => q with {{ {pascal(in_tok)} = t }},")
            w(f"            static r => {next_expr}, cancellationToken);")
        else:
            # Several tokens (Route 53's record sets: name, type, identifier): the next request takes all of them.
            if not more or len(in_tok) != len(out_tok):
                sys.exit(f"{model}.{op}: multi-token paginators need more_results and one output token per input token")
            assign = ", ".join(f"{pascal(i)} = r.{pascal(o)}" for i, o in zip(in_tok, out_tok))
            key = ", ".join(f"r.{pascal(o)}" for o in out_tok)
            w(f"    /// <summary>Every page of {op}, following {', '.join(out_tok)} while {more} is true.</summary>")
            w("    /// <param name=\"request\">The first request; its token members are replaced for each later page.</param>")
            w("    /// <param name=\"cancellationToken\">Cancels the enumeration.</param>")
            w(f"    public {ASYNC_ENUM}<{resp}> {op}PagesAsync({req} request, {CT} cancellationToken = default)")
            w(f"        => AwsPaginator.PagesAsync(request, {op}Async, static (q, r) => q with {{ {assign} }},")
            w(f"            static r => r.{pascal(more)} == true ? string.Join(\"\\u001f\", {key}) : null, cancellationToken);")
        result = pag.get("result_key")
        if isinstance(result, str):
            out_shape = shapes[spec["output"]["shape"]]
            item = cs_type(shapes[out_shape["members"][result]["shape"]]["member"]["shape"])
            w("")
            w(f"    /// <summary>Every item of {result} across all pages of {op}.</summary>")
            w("    /// <param name=\"request\">The first request; its token member is replaced for each later page.</param>")
            w("    /// <param name=\"cancellationToken\">Cancels the enumeration.</param>")
            w(f"    public {ASYNC_ENUM}<{item}> {op}ItemsAsync({req} request, {CT} cancellationToken = default)")
            w(f"        => AwsPaginator.ItemsAsync({op}PagesAsync(request, cancellationToken), static r => r.{pascal(result)}, cancellationToken);")
    w("}")
    path = os.path.join(OUT, namespace, f"{client}.g.cs")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"{path}: {len(operations)} operations, {len(order)} shapes")


for model_name, (ns, cls, ops) in SERVICES.items():
    generate(model_name, ns, cls, ops)
