/** Small builders shared by the diff modules. */
import type { QualifiedName } from '../model/types.js';
import { qualified } from '../sql/quote.js';
import { sameName } from './names.js';
import type { LiveObject, ObjectKind, PlanChange } from './types.js';

export function create(object: ObjectKind, name: QualifiedName, label: string): PlanChange {
  return {
    action: 'create',
    object,
    name: qualified(name),
    label,
    resolution: 'apply',
    note: 'apply creates it',
  };
}

export function find<T extends LiveObject>(objects: readonly T[], name: QualifiedName): T | undefined {
  return objects.find((o) => sameName(o.name, name));
}
