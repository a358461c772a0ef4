def confusion_matrix(predictions, targets, num_classes):
    return ft.confusion_matrix(predictions, targets, num_classes)
