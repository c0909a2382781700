/*
 * Reading a synthesized CloudFormation template the way CloudFormation does, for the subset this
 * library's templates use: the resource graph (DependsOn plus every Ref and Fn::GetAtt) in creation
 * order, and the intrinsic functions resolved against the values the local deployment gave its
 * resources. An intrinsic this code does not know is an error naming it, so a template that grows a
 * new one fails the local deploy loudly instead of deploying something else.
 */

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly [other: string]: unknown;
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, { Type: string; Default?: unknown }>;
  readonly Outputs?: Record<string, { Value: unknown }>;
  readonly [other: string]: unknown;
}

/** What the resolver asks the deployment for. */
export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  /** The physical id (what Ref answers) of a resource. */
  ref(logicalId: string): string;
  /** An attribute (what Fn::GetAtt answers) of a resource. */
  getAtt(logicalId: string, attribute: string): string;
}

/** Every logical id `value` refers to through Ref or Fn::GetAtt (Fn::Sub's ${...} included). */
export function referencedResources(value: unknown, resources: Record<string, unknown>): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, argument] = entries[0];
      if (key === 'Ref' && typeof argument === 'string' && argument in resources) found.add(argument);
      if (key === 'Fn::GetAtt') {
        const target = Array.isArray(argument) ? argument[0] : String(argument).split('.')[0];
        if (typeof target === 'string' && target in resources) found.add(target);
      }
      if (key === 'Fn::Sub') {
        const text = Array.isArray(argument) ? argument[0] : argument;
        for (const match of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = match[1].split('.')[0];
          if (name in resources) found.add(name);
        }
      }
    }
    entries.forEach(([, child]) => visit(child));
  };
  visit(value);
  return found;
}

/**
 * Each resource's dependencies: its DependsOn and every resource its properties refer to through Ref,
 * Fn::GetAtt or Fn::Sub (CloudFormation's implicit dependencies, DependsOn attribute page).
 */
export function dependencyGraph(template: Template): Map<string, Set<string>> {
  const resources = template.Resources;
  const dependencies = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const deps = referencedResources(resource, resources);
    for (const dependsOn of [resource.DependsOn ?? []].flat()) deps.add(dependsOn);
    deps.delete(id);
    dependencies.set(id, deps);
  }
  creationOrder(template, dependencies);
  return dependencies;
}

/** The logical ids in an order CloudFormation could create them: every dependency before its dependants (a cycle is an error). */
export function creationOrder(template: Template, dependencies: Map<string, Set<string>> = dependencyGraph(template)): string[] {
  const resources = template.Resources;
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`circular dependency in the template: ${[...path, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const dep of [...(dependencies.get(id) ?? [])].sort()) visit(dep, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources).sort()) visit(id, []);
  return order;
}

/** `value` with every intrinsic function resolved; `where` names the place in errors. */
export function resolveValue(value: unknown, context: ResolveContext, where: string): any {
  if (Array.isArray(value)) return value.map((item, index) => resolveValue(item, context, `${where}[${index}]`));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    const [name, argument] = entries[0];
    return resolveIntrinsic(name, argument, context, where);
  }
  return Object.fromEntries(entries.map(([key, child]) => [key, resolveValue(child, context, `${where}.${key}`)]));
}

function pseudo(name: string, context: ResolveContext): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/local`;
    case 'AWS::NoValue':
      return undefined;
    default:
      return undefined;
  }
}

function resolveIntrinsic(name: string, argument: unknown, context: ResolveContext, where: string): any {
  switch (name) {
    case 'Ref': {
      const target = String(argument);
      if (target.startsWith('AWS::')) return pseudo(target, context);
      return context.ref(target);
    }
    case 'Fn::GetAtt': {
      const [target, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.*)/s);
      return context.getAtt(String(target), String(attribute));
    }
    case 'Fn::Join': {
      const [separator, parts] = argument as [string, unknown[]];
      return (resolveValue(parts, context, where) as unknown[]).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = argument as [unknown, unknown];
      return (resolveValue(list, context, where) as unknown[])[Number(resolveValue(index, context, where))];
    }
    case 'Fn::Split': {
      const [separator, text] = argument as [string, unknown];
      return String(resolveValue(text, context, where)).split(separator);
    }
    case 'Fn::Sub': {
      const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument), {}];
      const resolvedVariables = resolveValue(variables, context, where) as Record<string, string>;
      return text.replace(/\$\{([^!}][^}]*)\}/g, (_all, reference: string) => {
        if (reference in resolvedVariables) return String(resolvedVariables[reference]);
        if (reference.startsWith('AWS::')) return String(pseudo(reference, context));
        const [target, attribute] = reference.split(/\.(.*)/s);
        return attribute === undefined ? context.ref(target) : context.getAtt(target, attribute);
      });
    }
    case 'Fn::GetAZs':
      // Placeholders: nothing here runs in an availability zone.
      return ['a', 'b', 'c'].map((zone) => `${context.region}${zone}`);
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveValue(argument, context, where));
    case 'Fn::Base64':
      return Buffer.from(String(resolveValue(argument, context, where)), 'utf8').toString('base64');
    default:
      throw new Error(`${where}: the local deployment does not resolve ${name}`);
  }
}
