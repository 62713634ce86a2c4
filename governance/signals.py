"""Keep sign-in accounts and HR employee records linked by e-mail address."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from governance.models import Employee, User


@receiver(post_save, sender=User)
def link_user_to_employee(sender, instance, created, **kwargs):
    if created:
        Employee.objects.filter(email__iexact=instance.email, user__isnull=True).update(user=instance)


@receiver(post_save, sender=Employee)
def link_employee_to_user(sender, instance, created, **kwargs):
    if instance.user_id is None:
        user = User.objects.filter(email__iexact=instance.email, employee__isnull=True).first()
        if user is not None:
            Employee.objects.filter(pk=instance.pk).update(user=user)
            instance.user = user
